#!/usr/bin/env python3
"""Run every PromQL query of Grafana dashboards and/or Prometheus rule files against a live
Prometheus (/api/v1/query) and report which return data.  Stdlib + PyYAML only.

usage: promql-live-check.py --prom http://127.0.0.1:9090 [--var job=demo ...]
                            [--dashboard d.json ...] [--rules r.yml ...] [--allow-empty-alerts]
Dashboard panel queries and recording rules must return >=1 series; alert expressions must
parse and execute (an alert that does not fire returns nothing, so empty is fine unless
--require-alert-data).  Template variables: $__rate_interval/$__interval -> --rate-interval
(default 1m), $__range -> 5m, other $var / ${var} / [[var]] -> --var, else the variable's
'current' value in the dashboard.  label_values(metric, label) variable queries are checked
as `count by (label) (metric)`.

Copied from ../shared/deploy-checks/bin/promql-live-check.py (the project's offline deploy checks) into the
repository so that CI on a fresh clone has it; local changes are marked "eventplatform:".
"""
import argparse, json, os, re, subprocess, sys, urllib.parse, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
VAR_RE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)")


def query(prom, expr):
    url = prom.rstrip("/") + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(url, timeout=15) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        try:
            return json.load(e)
        except Exception:
            return {"status": "error", "error": f"HTTP {e.code}"}
    except Exception as e:
        return {"status": "error", "error": str(e)}


def substitute(expr, values, rate_interval):
    builtins = {"__rate_interval": rate_interval, "__interval": rate_interval, "__range": "5m",
                "__range_s": "300", "__range_ms": "300000", "__interval_ms": "60000"}
    missing = []

    def rep(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name in builtins:
            return builtins[name]
        if name in values:
            return values[name]
        missing.append(name)
        return m.group(0)
    return VAR_RE.sub(rep, expr), missing


def dashboard_items(path, cli_vars):
    out = subprocess.run([sys.executable, os.path.join(HERE, "grafana-dashboard-lint.py"),
                          "--print-queries", path], capture_output=True, text=True)
    doc = json.load(open(path))
    dash = doc.get("dashboard", doc)
    values = {}
    for v in (dash.get("templating") or {}).get("list") or []:
        cur = (v.get("current") or {}).get("value")
        if isinstance(cur, list):
            cur = "|".join(cur)
        if cur is not None and cur != "$__all":
            values[v["name"]] = str(cur)
        elif cur == "$__all":
            values[v["name"]] = ".*"
    values.update(cli_vars)
    for line in out.stdout.splitlines():
        q = json.loads(line)
        if q.get("hide"):
            continue
        expr = q["expr"]
        if q.get("variable"):
            m = re.fullmatch(r"\s*label_values\(\s*(?:(.+?)\s*,\s*)?(\w+)\s*\)\s*", expr)
            if not m:
                continue  # query_result(...), metrics(...) etc.: not checked
            metric, label = m.group(1), m.group(2)
            expr = f"count by ({label}) ({metric})" if metric else f'count by ({label}) ({{{label}!=""}})'
        yield f"{path} :: {q['panel']} [{q['refId']}]", expr, values, "data"


def rule_items(path):
    import yaml
    doc = yaml.safe_load(open(path))
    groups = doc.get("groups") if "groups" in doc else (doc.get("spec") or {}).get("groups", [])
    for g in groups or []:
        for r in g.get("rules") or []:
            if "record" in r:
                yield f"{path} :: record {r['record']}", r["expr"], {}, "data"
            else:
                yield f"{path} :: alert {r.get('alert')}", r["expr"], {}, "exec"


# eventplatform: every metric name an expression mentions must exist in Prometheus, even where the expression
# itself returns data without it (`x or 0 * y`, `absent(x)`): a panel that names a metric no service exports
# fails. Names are found by a small tokenizer: strings, label matchers, ranges and grouping clauses removed,
# then every identifier that is not a function call, keyword or number part.
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
            "offset", "inf", "nan", "atan2", "start", "end"}


def metric_names(expr):
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"'(?:[^'\\]|\\.)*'", "''", e)
    e = re.sub(r"`[^`]*`", "``", e)
    e = re.sub(r"\{[^}]*\}", "{}", e)
    e = re.sub(r"\[[^\]]*\]", "[]", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", e):
        tok, before, rest = m.group(0), e[:m.start()], e[m.end():].lstrip()
        if rest.startswith("(") or tok.lower() in KEYWORDS:
            continue
        if before and (before[-1].isdigit() or before[-1] in ".$"):
            continue  # 1e3, 0x1f, $variable
        names.add(tok)
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prom", required=True)
    ap.add_argument("--dashboard", action="append", default=[])
    ap.add_argument("--rules", action="append", default=[])
    ap.add_argument("--var", action="append", default=[])
    ap.add_argument("--rate-interval", default="1m")
    ap.add_argument("--require-alert-data", action="store_true")
    ap.add_argument("--metric-window", default="15m",
                    help="eventplatform: a metric exists if it has a sample in this window")
    a = ap.parse_args()
    cli_vars = dict(v.split("=", 1) for v in a.var)
    items = []
    for d in a.dashboard:
        items += list(dashboard_items(d, cli_vars))
    for r in a.rules:
        items += list(rule_items(r))
    ok = bad = 0
    no_data, missing_metrics = [], {}
    # eventplatform: which metric names exist (recording rules count: Prometheus evaluates them)
    known = {}
    for label, expr, values, need in items:
        for name in sorted(metric_names(expr)):
            if name not in known:
                r = query(a.prom, f'count(last_over_time({{__name__="{name}"}}[{a.metric_window}]))')
                known[name] = r.get("status") == "success" and bool(r["data"]["result"])
            if not known[name]:
                missing_metrics.setdefault(name, []).append(label)
    for name, users in sorted(missing_metrics.items()):
        bad += 1
        print(f"FAIL  metric {name} is not exported by any scraped service (used by {len(users)}: {users[0]}{' ...' if len(users) > 1 else ''})")
    for label, expr, values, need in items:
        e, missing = substitute(expr, values, a.rate_interval)
        if missing:
            bad += 1
            print(f"FAIL  {label}: unresolved variable(s) {missing} in {expr!r}")
            continue
        res = query(a.prom, e)
        if res.get("status") != "success":
            bad += 1
            print(f"FAIL  {label}: {res.get('errorType', '')} {res.get('error')}  <- {e}")
            continue
        data = res["data"]["result"]
        n = len(data) if isinstance(data, list) else 1
        if n == 0 and (need == "data" or a.require_alert_data):
            bad += 1
            no_data.append(label)
            print(f"FAIL  {label}: no data  <- {e}")
        else:
            ok += 1
            sample = ""
            if isinstance(data, list) and data:
                sample = f" e.g. {data[0].get('metric', {})} = {data[0].get('value', [None, None])[1]}"
            print(f"OK    {label}: {n} series{sample}")
    if no_data or missing_metrics:
        print("\nSummary (eventplatform):")
        if missing_metrics:
            print(f"  metrics no scraped service exports ({len(missing_metrics)}): {', '.join(sorted(missing_metrics))}")
        if no_data:
            print(f"  queries without data ({len(no_data)}):")
            for label in no_data:
                print(f"    {label}")
    print(f"{ok} passed, {bad} failed")
    return 1 if bad or not items else 0


if __name__ == "__main__":
    sys.exit(main())
