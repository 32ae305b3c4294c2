-- wrk script: one Facebook webhook event per POST /webhook/events (how Facebook and TikTok deliver),
-- each with its own eventId and user so the platform stores every one.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

-- Arguments after `--`: a run id (part of every eventId) and the day of the events (YYYY-MM-DD).
function init(args)
  run_id = args[1] or tostring(os.time())
  day = args[2] or os.date("!%Y-%m-%d")
end

local template = [[{"eventId":"%s","timestamp":"%sT%02d:%02d:00Z","source":"facebook","funnelStage":"top","eventType":"ad.view","data":{"user":{"userId":"u-%d","name":"Bench User","age":31,"gender":"female","location":{"country":"UA","city":"Kyiv"}},"engagement":{"actionTime":"%sT10:00:00Z","referrer":"newsfeed","videoId":null}}}]]

function request()
  counter = counter + 1
  local id = string.format("wrk-%s-%d-%d", run_id, thread_id, counter)
  local body = string.format(template, id, day, counter % 24, counter % 60, counter % 100000, day)
  return wrk.format("POST", "/webhook/events", {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status ~= 202 then
    errors = (errors or 0) + 1
  end
end
