/// The OpenAPI 3 document of the reports API, served at `/openapi.yaml`. A test checks that every
/// route and parameter the service answers is listed here, so the two cannot drift apart silently.
enum OpenAPIDocument {
    static let yaml = """
        openapi: 3.0.3
        info:
          title: eventplatform reports API
          version: 1.0.0
          description: >-
            Reports over the events the collectors store (platform contract, section 5). Times are UTC;
            `from` is inclusive, `to` exclusive as a date-time and inclusive as a bare date. Any range to the
            second is answered exactly: its whole hours (/reports/events, /reports/revenue, /stats/top-events
            unless segmented by country or device) or whole UTC days (the others) from the aggregates, the
            parts of an hour or day at its edges from the raw events, and distinct users as the union of both. Every answer has a Data-As-Of header (and object answers
            a data_as_of field): the time up to which every collector group has stored what Kafka held; it is
            absent while a collector has not marked all its partitions yet. Bad parameters answer 400 with
            {"error": "..."} naming the parameter.
        paths:
          /reports/events:
            get:
              summary: Event counts, total and per group.
              parameters:
                - $ref: '#/components/parameters/from'
                - $ref: '#/components/parameters/to'
                - $ref: '#/components/parameters/source'
                - {name: funnelStage, in: query, schema: {type: string, enum: [top, bottom]}}
                - {name: eventType, in: query, schema: {type: string, minLength: 1, maxLength: 200, pattern: '^[^\\x00]*$'}}
                - {name: groupBy, in: query, schema: {type: string, enum: [hour, day, source, eventType, funnelStage]}}
              responses:
                '200':
                  description: '{"total": 12, "groups": [{"key": "facebook", "count": 7}]}; groups only with groupBy, null key for events without the field.'
                  headers: {Data-As-Of: {$ref: '#/components/headers/DataAsOf'}}
                  content: {application/json: {schema: {$ref: '#/components/schemas/EventCounts'}}}
                '400': {$ref: '#/components/responses/BadRequest'}
                '503': {$ref: '#/components/responses/Unavailable'}
          /reports/revenue:
            get:
              summary: Total revenue (exact decimal string), purchase count, per group.
              parameters:
                - $ref: '#/components/parameters/from'
                - $ref: '#/components/parameters/to'
                - $ref: '#/components/parameters/source'
                - {name: campaignId, in: query, schema: {type: string, minLength: 1, maxLength: 200, pattern: '^[^\\x00]*$'}}
                - {name: groupBy, in: query, schema: {type: string, enum: [day, source, campaignId]}}
              responses:
                '200':
                  description: Revenue of the range.
                  headers: {Data-As-Of: {$ref: '#/components/headers/DataAsOf'}}
                  content: {application/json: {schema: {$ref: '#/components/schemas/Revenue'}}}
                '400': {$ref: '#/components/responses/BadRequest'}
                '503': {$ref: '#/components/responses/Unavailable'}
          /reports/funnel:
            get:
              summary: Users and events at the top and bottom stage, conversion rate (percent, one decimal).
              parameters:
                - $ref: '#/components/parameters/from'
                - $ref: '#/components/parameters/to'
                - $ref: '#/components/parameters/source'
              responses:
                '200':
                  description: The funnel of the range.
                  headers: {Data-As-Of: {$ref: '#/components/headers/DataAsOf'}}
                  content: {application/json: {schema: {$ref: '#/components/schemas/Funnel'}}}
                '400': {$ref: '#/components/responses/BadRequest'}
                '503': {$ref: '#/components/responses/Unavailable'}
          /reports/demographics:
            get:
              summary: Distinct active users by demographic field (Facebook age, gender, top countries and cities; TikTok followers, device, top countries; app top countries and devices).
              parameters:
                - $ref: '#/components/parameters/from'
                - $ref: '#/components/parameters/to'
                - {name: source, in: query, description: 'one source; without it, every source', schema: {type: string, enum: [facebook, tiktok, app]}}
              responses:
                '200':
                  description: 'Per source (every source without the source parameter): users, and lists of {"key", "users"}; buckets in natural order, top 10 countries, cities and app devices by users.'
                  headers: {Data-As-Of: {$ref: '#/components/headers/DataAsOf'}}
                  content: {application/json: {schema: {$ref: '#/components/schemas/Demographics'}}}
                '400': {$ref: '#/components/responses/BadRequest'}
                '503': {$ref: '#/components/responses/Unavailable'}
          /stats/dau:
            get:
              summary: Distinct users per UTC day with activity (a day the range covers in part counts the users of that part).
              parameters:
                - $ref: '#/components/parameters/from'
                - $ref: '#/components/parameters/to'
                - $ref: '#/components/parameters/segment'
              responses:
                '200':
                  description: '[{"date": "2025-01-01", "unique_users": 1523}]'
                  headers: {Data-As-Of: {$ref: '#/components/headers/DataAsOf'}}
                  content:
                    application/json:
                      schema:
                        type: array
                        items:
                          type: object
                          required: [date, unique_users]
                          properties: {date: {type: string, format: date}, unique_users: {type: integer}}
                '400': {$ref: '#/components/responses/BadRequest'}
                '503': {$ref: '#/components/responses/Unavailable'}
          /stats/top-events:
            get:
              summary: The most frequent event types.
              parameters:
                - $ref: '#/components/parameters/from'
                - $ref: '#/components/parameters/to'
                - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100, default: 10}}
                - $ref: '#/components/parameters/segment'
              responses:
                '200':
                  description: '[{"event_type": "page_view", "count": 15234}]'
                  headers: {Data-As-Of: {$ref: '#/components/headers/DataAsOf'}}
                  content:
                    application/json:
                      schema:
                        type: array
                        items:
                          type: object
                          required: [event_type, count]
                          properties: {event_type: {type: string}, count: {type: integer}}
                '400': {$ref: '#/components/responses/BadRequest'}
                '503': {$ref: '#/components/responses/Unavailable'}
          /stats/retention:
            get:
              summary: Weekly cohorts by the ISO week of each user's first event, from the week of start_date to the last week with data.
              parameters:
                - {name: start_date, in: query, required: true, description: 'A day of the first cohort week, e.g. 2025-01-06.', schema: {$ref: '#/components/schemas/Day'}}
                - {name: windows, in: query, description: How many later weeks each cohort reports., schema: {type: integer, minimum: 1, maximum: 52, default: 4}}
              responses:
                '200':
                  description: '[{"cohort_week": "2025-01-06", "week_0": 1000, "week_1": 45.5}]: week_0 the cohort size, week_k the percent (one decimal) active k weeks later, 0 for weeks not yet in the data.'
                  headers: {Data-As-Of: {$ref: '#/components/headers/DataAsOf'}}
                  content:
                    application/json:
                      schema:
                        type: array
                        items:
                          type: object
                          required: [cohort_week, week_0]
                          properties: {cohort_week: {type: string, format: date}, week_0: {type: integer}}
                          additionalProperties: {type: number}
                '400': {$ref: '#/components/responses/BadRequest'}
                '503': {$ref: '#/components/responses/Unavailable'}
          /openapi.yaml:
            get:
              summary: This document.
              responses:
                '200': {description: OpenAPI 3 YAML, content: {application/yaml: {schema: {type: string}}}}
          /health/live:
            get:
              summary: 200 while the process serves.
              responses: {'200': {description: live}}
          /health/ready:
            get:
              summary: 200 when the database answers, 503 otherwise.
              responses: {'200': {description: ready}, '503': {description: not ready}}
          /metrics:
            get:
              summary: Prometheus metrics (reporter_requests_total, reporter_report_duration_seconds).
              responses: {'200': {description: Prometheus text format, content: {text/plain: {schema: {type: string}}}}}
        components:
          parameters:
            from:
              name: from
              in: query
              required: true
              description: 'Inclusive start: 2025-01-31 or a date-time to the second with a zone, e.g. 2025-01-31T06:30:00Z or 2025-01-31T08:30:00+02:00 (+ percent-encoded as %2B).'
              schema: {$ref: '#/components/schemas/DayOrTime'}
            to:
              name: to
              in: query
              required: true
              description: 'End: a bare date is inclusive, a date-time (to the second) exclusive. A range that ends before it starts is empty.'
              schema: {$ref: '#/components/schemas/DayOrTime'}
            source:
              {name: source, in: query, schema: {type: string, enum: [facebook, tiktok, app]}}
            segment:
              name: segment
              in: query
              description: 'field:value, field one of source, event_type, country, device (properties.country:UA = country:UA).'
              schema: {type: string, pattern: '^(source:(facebook|tiktok|app)|(properties\\.)?(event_type|country|device):[^\\x00]{1,200})$'}
          headers:
            DataAsOf:
              description: 'Up to when every collector group had stored what Kafka held, e.g. 2025-03-12T18:00:05Z; absent while unknown.'
              schema: {type: string, format: date-time}
          responses:
            BadRequest:
              description: A bad parameter, named in the message.
              content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
            Unavailable:
              description: The database is unavailable or the query ran past the statement timeout; retry after Retry-After seconds.
              content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
          schemas:
            Day:
              description: A day from 1970-01-01 (events are stored from then on) to 9999-12-31.
              type: string
              format: date
              pattern: '^(19[7-9][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'
            DayOrTime:
              description: A day from 1970-01-01 to 9999-12-31, or a date-time to the second with Z or an offset.
              anyOf:
                - {$ref: '#/components/schemas/Day'}
                - {$ref: '#/components/schemas/DateTime'}
            DateTime:
              description: 'A date-time to the second with Z or an offset, e.g. 2025-01-31T06:30:00Z (years 1971 to 9998 here, so that no offset moves it out of the stored range).'
              type: string
              format: date-time
              pattern: '^(197[1-9]|19[89][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])$'
            Error:
              type: object
              required: [error]
              properties: {error: {type: string}}
            EventCounts:
              type: object
              required: [total]
              properties:
                total: {type: integer}
                data_as_of: {$ref: '#/components/schemas/DataAsOf'}
                groups:
                  type: array
                  items:
                    type: object
                    required: [key, count]
                    properties: {key: {type: string, nullable: true}, count: {type: integer}}
            Revenue:
              type: object
              required: [total_revenue, purchases]
              properties:
                total_revenue: {type: string, description: exact decimal}
                purchases: {type: integer}
                data_as_of: {$ref: '#/components/schemas/DataAsOf'}
                groups:
                  type: array
                  items:
                    type: object
                    required: [key, revenue, purchases]
                    properties: {key: {type: string, nullable: true}, revenue: {type: string}, purchases: {type: integer}}
            Funnel:
              type: object
              required: [top, bottom, conversion_rate]
              properties:
                top: {$ref: '#/components/schemas/Stage'}
                bottom: {$ref: '#/components/schemas/Stage'}
                conversion_rate: {type: number, description: 'Percent of top users who reached the bottom, one decimal.'}
                data_as_of: {$ref: '#/components/schemas/DataAsOf'}
            Shares:
              type: array
              items:
                type: object
                required: [key, users]
                properties: {key: {type: string}, users: {type: integer}}
            Demographics:
              type: object
              properties:
                facebook:
                  type: object
                  required: [users, age, gender, top_countries, top_cities]
                  properties:
                    users: {type: integer}
                    age: {$ref: '#/components/schemas/Shares'}
                    gender: {$ref: '#/components/schemas/Shares'}
                    top_countries: {$ref: '#/components/schemas/Shares'}
                    top_cities: {$ref: '#/components/schemas/Shares'}
                tiktok:
                  type: object
                  required: [users, followers, device, top_countries]
                  properties:
                    users: {type: integer}
                    followers: {$ref: '#/components/schemas/Shares'}
                    device: {$ref: '#/components/schemas/Shares'}
                    top_countries: {$ref: '#/components/schemas/Shares'}
                app:
                  type: object
                  required: [users, top_countries, top_devices]
                  properties:
                    users: {type: integer}
                    top_countries: {$ref: '#/components/schemas/Shares'}
                    top_devices: {$ref: '#/components/schemas/Shares'}
                data_as_of: {$ref: '#/components/schemas/DataAsOf'}
            DataAsOf:
              type: string
              format: date-time
              description: 'Up to when every collector group had stored what Kafka held (as the Data-As-Of header); absent while unknown.'
            Stage:
              type: object
              required: [users, events]
              properties: {users: {type: integer}, events: {type: integer}}

        """
}
