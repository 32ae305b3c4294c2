/// One versioned change of the database schema: SQL applied once, in version order, by ``SchemaMigrator``.
///
/// Migrations are append-only: a released migration is never edited, a change is a new version.
public struct Migration: Sendable, Hashable {
    /// The order of application; recorded in `schema_migrations` once applied.
    public var version: Int
    /// What the migration does, for people reading `schema_migrations`.
    public var name: String
    /// Trusted SQL, possibly several statements; runs in one transaction with the bookkeeping row.
    public var sql: String

    /// A migration; add it to ``all`` with the next version.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

extension Migration {
    /// Every migration of the platform, in version order.
    public static let all: [Migration] = [rawEvents, aggregates, importedFiles, readerRole, distinctUserCounters, rawEventReaders, completeThrough, emptyRangeReaders,
                                          historyReaderInSwift, roomForUpdates, eventTimeIndex]

    /// Raw events, the dedupe keys and the collectors' progress.
    ///
    /// `events` is range-partitioned by event time into daily partitions that ``EventPartitions`` creates
    /// (ahead, and on demand for any day an event needs) and drops after the retention period. A primary
    /// key on a partitioned table must contain the partition key, and retention drops old rows, so
    /// deduplication by (source, event id) lives in `event_keys`, which is never pruned: a replay of an
    /// event however old is still recognised. `events` has no other index: reports read the aggregates
    /// (and the raw rows of a range's ragged edges, by time: ``eventTimeIndex``), and the raw rows are for
    /// audits and rebuilding them. The payload is the event's JSON as text: it is only
    /// read back whole, and text loads faster than `jsonb` (no parse on insert).
    static let rawEvents = Migration(version: 1, name: "raw events, dedupe keys, collector offsets", sql: """
        CREATE TABLE events (
            source       text NOT NULL,
            event_id     text NOT NULL,
            event_type   text NOT NULL,
            funnel_stage text,
            occurred_at  timestamptz NOT NULL,
            user_id      text NOT NULL,
            amount       numeric,
            country      text,
            city         text,
            device       text,
            age          integer,
            gender       text,
            followers    bigint,
            campaign_id  text,
            payload      text NOT NULL
        ) PARTITION BY RANGE (occurred_at);

        CREATE TABLE event_keys (
            source   text NOT NULL,
            event_id text NOT NULL,
            PRIMARY KEY (source, event_id)
        );

        CREATE TABLE collector_offsets (
            group_id    text NOT NULL,
            topic       text NOT NULL,
            partition   integer NOT NULL,
            next_offset bigint NOT NULL,
            updated_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (group_id, topic, partition)
        );
        """)

    /// The aggregates the reports read (contract section 5), kept up to date by the collectors from each
    /// batch's newly stored events only.
    ///
    /// Segment columns are NULL where the event does not carry the field ("outside every value of that
    /// segment"); the unique keys treat NULLs as equal so that upserts find those rows too.
    /// - `event_counts_hourly`: events per UTC hour, source, stage and type (`/reports/events`, funnel events).
    /// - `event_counts_daily`: events per UTC day, source, type, stage, country and device (`/stats/top-events`
    ///   with a segment, day-grouped event reports).
    /// - `revenue_hourly`: exact revenue and purchase count per hour, source and campaign (`/reports/revenue`).
    /// - `daily_user_activity`, `weekly_active_users` and `user_first_seen`: which user was active on which
    ///   day and week, with the values of their events, and each user's cohort week (replaced by version 5).
    static let aggregates = Migration(version: 2, name: "report aggregates", sql: """
        CREATE TABLE event_counts_hourly (
            hour         timestamptz NOT NULL,
            source       text NOT NULL,
            event_type   text NOT NULL,
            funnel_stage text,
            events       bigint NOT NULL
        );
        CREATE UNIQUE INDEX event_counts_hourly_key
            ON event_counts_hourly (hour, source, event_type, funnel_stage) NULLS NOT DISTINCT;

        CREATE TABLE event_counts_daily (
            day          date NOT NULL,
            source       text NOT NULL,
            event_type   text NOT NULL,
            funnel_stage text,
            country      text,
            device       text,
            events       bigint NOT NULL
        );
        CREATE UNIQUE INDEX event_counts_daily_key
            ON event_counts_daily (day, source, event_type, funnel_stage, country, device) NULLS NOT DISTINCT;

        CREATE TABLE revenue_hourly (
            hour        timestamptz NOT NULL,
            source      text NOT NULL,
            campaign_id text,
            revenue     numeric NOT NULL,
            purchases   bigint NOT NULL
        );
        CREATE UNIQUE INDEX revenue_hourly_key ON revenue_hourly (hour, source, campaign_id) NULLS NOT DISTINCT;

        CREATE TABLE daily_user_activity (
            day             date NOT NULL,
            source          text NOT NULL,
            user_id         text NOT NULL,
            event_type      text NOT NULL,
            funnel_stage    text,
            country         text,
            device          text,
            city            text,
            age_bucket      text,
            gender          text,
            follower_bucket text
        );
        CREATE UNIQUE INDEX daily_user_activity_key ON daily_user_activity
            (day, source, user_id, event_type, funnel_stage, country, device, city, age_bucket, gender, follower_bucket)
            NULLS NOT DISTINCT;

        CREATE TABLE weekly_active_users (
            week    date NOT NULL,
            source  text NOT NULL,
            user_id text NOT NULL,
            PRIMARY KEY (week, source, user_id)
        );

        CREATE TABLE user_first_seen (
            source     text NOT NULL,
            user_id    text NOT NULL,
            first_week date NOT NULL,
            PRIMARY KEY (source, user_id)
        );
        CREATE INDEX user_first_seen_week ON user_first_seen (first_week);
        """)

    /// The CSV files `eventplatform import` has published, by content hash, so a repeat publishes nothing.
    static let importedFiles = Migration(version: 3, name: "imported files", sql: """
        CREATE TABLE imported_files (
            sha256      text PRIMARY KEY,
            file_name   text NOT NULL,
            events      bigint NOT NULL,
            rejected    bigint NOT NULL,
            imported_at timestamptz NOT NULL DEFAULT now()
        );
        """)

    /// `eventplatform_reader`: a role that may only read, which the reporter's sessions take on (`SET ROLE`
    /// through the connection options). Tables created later, daily raw partitions included, are readable
    /// by it too. Roles belong to the whole server, so an existing one (another database's migration) is
    /// kept. A reporter logging in as another user needs `GRANT eventplatform_reader TO that_user`.
    static let readerRole = Migration(version: 4, name: "read-only role for the reporter", sql: """
        DO $$
        BEGIN
            CREATE ROLE eventplatform_reader NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END
        $$;
        GRANT USAGE ON SCHEMA public TO eventplatform_reader;
        GRANT SELECT ON ALL TABLES IN SCHEMA public TO eventplatform_reader;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO eventplatform_reader;
        """)

    /// Distinct users over any range of days without scanning per-user rows, so that DAU, demographics, the
    /// funnel and retention answer in milliseconds however many events are stored (contract section 5).
    ///
    /// - `user_histories`: per user, the days on which they had an event with each value of each dimension
    ///   (``UserDimension``), as JSON ``UserHistory``; the collector reads it, adds a batch's days, and
    ///   derives the counter changes below. Only the collector reads it.
    /// - `user_value_counts`: per (dimension, value, source, day, previous_day), how many users were active
    ///   with that value on `day` and last before it on `previous_day` (`-infinity` for their first day).
    ///   The users active in [a, b) are exactly the sum over days in [a, b) with `previous_day < a` (each
    ///   user counts once, on their first day in the range); the users of one day are the sum over that day.
    /// - `cohort_activity`: per cohort week (a user's first ISO week) and week, how many of the cohort were
    ///   active (`/stats/retention`; the row where both weeks are equal is the cohort's size).
    ///
    /// The tables they replace are carried over, then dropped.
    static let distinctUserCounters = Migration(version: 5, name: "distinct-user counters", sql: """
        CREATE TABLE user_histories (
            source  text NOT NULL,
            user_id text NOT NULL,
            history text NOT NULL,
            PRIMARY KEY (source, user_id)
        );

        CREATE TABLE user_value_counts (
            dimension    text NOT NULL,
            value        text NOT NULL,
            source       text NOT NULL,
            day          date NOT NULL,
            previous_day date NOT NULL,
            users        bigint NOT NULL,
            PRIMARY KEY (dimension, value, source, day, previous_day)
        );

        CREATE TABLE cohort_activity (
            cohort_week date NOT NULL,
            week        date NOT NULL,
            users       bigint NOT NULL,
            PRIMARY KEY (cohort_week, week)
        );

        CREATE TEMP TABLE value_days ON COMMIT DROP AS
        SELECT DISTINCT a.source, a.user_id, d.dimension, d.value, a.day
        FROM daily_user_activity a CROSS JOIN LATERAL (VALUES
            ('users', ''), ('event_type', a.event_type), ('stage', a.funnel_stage), ('country', a.country),
            ('device', a.device), ('city', a.city), ('age', a.age_bucket), ('gender', a.gender),
            ('followers', a.follower_bucket)
        ) AS d(dimension, value)
        WHERE d.value IS NOT NULL;

        INSERT INTO user_histories
        SELECT source, user_id, json_agg(json_build_array(dimension, value, first_day - date '1970-01-01', days)
                                         ORDER BY dimension, value)::text
        FROM (SELECT source, user_id, dimension, value, min(day) AS first_day,
                     (SELECT string_agg(CASE WHEN d::date = ANY(array_agg(v.day)) THEN '1' ELSE '0' END, '' ORDER BY d)
                      FROM generate_series(min(day), max(day), interval '1 day') AS d) AS days
              FROM value_days v GROUP BY 1, 2, 3, 4) AS spans
        GROUP BY 1, 2;

        INSERT INTO user_value_counts
        SELECT dimension, value, source, day, previous_day, count(*)
        FROM (SELECT dimension, value, source, day,
                     coalesce(lag(day) OVER (PARTITION BY dimension, value, source, user_id ORDER BY day), '-infinity') AS previous_day
              FROM value_days) AS spans
        GROUP BY 1, 2, 3, 4, 5;

        INSERT INTO cohort_activity
        SELECT f.first_week, w.week, count(*) FROM user_first_seen f JOIN weekly_active_users w USING (source, user_id)
        GROUP BY 1, 2;

        DROP TABLE daily_user_activity, weekly_active_users, user_first_seen;
        """)

    /// SQL functions that read what the collector derives from events the way its Swift code does, so that
    /// the reporter can answer the ragged edges of a range (parts of a day) from the raw events and union
    /// their users with the whole days' counters exactly (README, Reports).
    ///
    /// - `age_bucket(age)`, `follower_bucket(followers)`: ``AgeBucket`` and ``FollowerBucket``.
    /// - `user_history_values_between(history, from_day, to_day, dimensions)`: the (dimension, value)
    ///   entries of `dimensions` in a stored ``UserHistory`` with an active day in [from_day, to_day): which
    ///   of a user's values the counters of those days already count. It reads the history format ``UserHistory`` writes; a change
    ///   of that format needs a new version of this function. Dropped by version 9: the reporter reads
    ///   histories in Swift.
    ///
    /// Plain SQL functions, not `STRICT`, so that PostgreSQL inlines them into the reporter's queries.
    static let rawEventReaders = Migration(version: 6, name: "SQL readers of buckets and user histories", sql: """
        CREATE FUNCTION age_bucket(age integer) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE WHEN age < 13 THEN 'under-13' WHEN age <= 17 THEN '13-17' WHEN age <= 24 THEN '18-24'
                        WHEN age <= 34 THEN '25-34' WHEN age <= 44 THEN '35-44' WHEN age <= 54 THEN '45-54'
                        WHEN age <= 64 THEN '55-64' WHEN age IS NOT NULL THEN '65+' END
        $$;

        CREATE FUNCTION follower_bucket(followers bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE WHEN followers < 1000 THEN '0-999' WHEN followers < 10000 THEN '1k-10k'
                        WHEN followers < 100000 THEN '10k-100k' WHEN followers < 1000000 THEN '100k-1M'
                        WHEN followers IS NOT NULL THEN '1M+' END
        $$;

        -- An entry is [dimension, value, runs] with runs [start, length, start, length, …] of active days
        -- (days since 1970-01-01), or, as collectors before the runs wrote it, [dimension, value, first
        -- day, "0110…"] (a character per day). Entries of other dimensions are skipped before their days
        -- are looked at.
        CREATE FUNCTION user_history_values_between(history text, from_day date, to_day date, dimensions text[])
        RETURNS TABLE (dimension text, value text) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT entry ->> 0, entry ->> 1
            FROM json_array_elements(history::json) AS entry
            WHERE entry ->> 0 = ANY(dimensions) AND CASE json_typeof(entry -> 2)
                WHEN 'array' THEN EXISTS (
                    SELECT FROM generate_series(0, json_array_length(entry -> 2) - 2, 2) AS i
                    WHERE (entry -> 2 ->> i)::integer < to_day - date '1970-01-01'
                      AND (entry -> 2 ->> i)::integer + (entry -> 2 ->> (i + 1))::integer > from_day - date '1970-01-01')
                ELSE position('1' IN substr(entry ->> 3, greatest(from_day - date '1970-01-01' - (entry ->> 2)::integer, 0) + 1,
                              greatest(to_day - from_day + least(from_day - date '1970-01-01' - (entry ->> 2)::integer, 0), 0))) > 0
            END
        $$;
        """)

    /// `collector_offsets.complete_through`: per partition, the time up to which what Kafka held is stored
    /// (``CompletenessMarks``); the reporter states the earliest of them as its answers' `data_as_of`. NULL
    /// until the partition's collector marks it.
    static let completeThrough = Migration(version: 7, name: "collector completeness marks", sql: """
        ALTER TABLE collector_offsets ADD COLUMN complete_through timestamptz;
        """)

    /// `user_history_values_between` of version 6 answered an empty range [d, d) with the values whose
    /// runs cover the day before d (the runs' overlap test alone); an empty range now has no values, as for
    /// the older history format. The reporter never asks for an empty range, but the function says what
    /// it answers for any.
    static let emptyRangeReaders = Migration(version: 8, name: "user history reader: empty ranges", sql: """
        CREATE OR REPLACE FUNCTION user_history_values_between(history text, from_day date, to_day date, dimensions text[])
        RETURNS TABLE (dimension text, value text) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT entry ->> 0, entry ->> 1
            FROM json_array_elements(history::json) AS entry
            WHERE from_day < to_day AND entry ->> 0 = ANY(dimensions) AND CASE json_typeof(entry -> 2)
                WHEN 'array' THEN EXISTS (
                    SELECT FROM generate_series(0, json_array_length(entry -> 2) - 2, 2) AS i
                    WHERE (entry -> 2 ->> i)::integer < to_day - date '1970-01-01'
                      AND (entry -> 2 ->> i)::integer + (entry -> 2 ->> (i + 1))::integer > from_day - date '1970-01-01')
                ELSE position('1' IN substr(entry ->> 3, greatest(from_day - date '1970-01-01' - (entry ->> 2)::integer, 0) + 1,
                              greatest(to_day - from_day + least(from_day - date '1970-01-01' - (entry ->> 2)::integer, 0), 0))) > 0
            END
        $$;
        """)

    /// The reporter reads user histories in Swift (``UserHistory``, microseconds each) instead of with
    /// `user_history_values_between` (about 100 µs each in SQL, most of a large ragged range's answer time),
    /// so the SQL reader of versions 6 and 8 is dropped rather than kept in step with the format unused.
    static let historyReaderInSwift = Migration(version: 9, name: "user histories are read in Swift", sql: """
        DROP FUNCTION user_history_values_between(text, date, date, text[]);
        """)

    /// Every batch updates thousands of aggregate, counter and history rows in place. With full pages
    /// (the default fill factor, 100) each update writes its new row version to another page and a new
    /// entry into every index; with room left on the page PostgreSQL keeps the version on the same page
    /// and skips the indexes (a heap-only update), and later reads prune the old versions. Applies to
    /// pages written from now on (existing pages fill up as before until the table is rewritten).
    static let roomForUpdates = Migration(version: 10, name: "room for in-place updates of aggregates and histories", sql: """
        ALTER TABLE event_counts_hourly SET (fillfactor = 50);
        ALTER TABLE event_counts_daily SET (fillfactor = 50);
        ALTER TABLE revenue_hourly SET (fillfactor = 50);
        ALTER TABLE user_value_counts SET (fillfactor = 50);
        ALTER TABLE cohort_activity SET (fillfactor = 50);
        ALTER TABLE user_histories SET (fillfactor = 70);
        """)

    /// A report over a range that does not fall on the aggregates' buckets reads the raw events of its ragged
    /// edges: minutes of an hour, hours of a day. Without an index every such report scanned the edges'
    /// daily partitions whole (a 30-minute edge read a whole day, payloads included). A B-tree on the event
    /// time (each partition gets its own, also those created later) lets it read the edge only; BRIN would
    /// be smaller, but late and replayed events arrive out of time order, which it does not tolerate.
    /// Creating it locks `events` against writes while it builds: collectors wait, nothing is lost.
    static let eventTimeIndex = Migration(version: 11, name: "index on the raw events' time", sql: """
        CREATE INDEX events_occurred_at ON events (occurred_at);
        """)
}
