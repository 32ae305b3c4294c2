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
    public static let all: [Migration] = [rawEvents, aggregates, importedFiles, readerRole]

    /// Raw events, the dedupe keys and the collectors' progress.
    ///
    /// `events` is range-partitioned by event time into daily partitions that ``EventPartitions`` creates
    /// (ahead, and on demand for any day an event needs) and drops after the retention period. A primary
    /// key on a partitioned table must contain the partition key, and retention drops old rows, so
    /// deduplication by (source, event id) lives in `event_keys`, which is never pruned: a replay of an
    /// event however old is still recognised. `events` has no index: reports read the aggregates, and the
    /// raw rows are for audits and rebuilding them. The payload is the event's JSON as text: it is only
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
    /// - `daily_user_activity`: which user was active on which day, with the event type, stage and the
    ///   segment and demographic values of their events; distinct users over any range come from here
    ///   (`/stats/dau`, `/reports/demographics`, `/reports/funnel`).
    /// - `weekly_active_users` and `user_first_seen`: ISO weeks with activity and each user's cohort week
    ///   (`/stats/retention`).
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
}
