/// The reports and stats the service answers (platform contract, section 5), with the query parameters
/// each accepts: anything else is a 400, so that a misspelt filter never silently widens an answer.
public enum ReportRoute: String, Sendable, Hashable, CaseIterable {
    case events
    case revenue
    case funnel
    case demographics
    case dau
    case topEvents = "top_events"
    case retention

    /// The route's path.
    public var path: String {
        switch self {
        case .events: "/reports/events"
        case .revenue: "/reports/revenue"
        case .funnel: "/reports/funnel"
        case .demographics: "/reports/demographics"
        case .dau: "/stats/dau"
        case .topEvents: "/stats/top-events"
        case .retention: "/stats/retention"
        }
    }

    /// The `report` label of the reporter's metrics.
    public var metricLabel: String { rawValue }

    /// The query parameters the route accepts, in the order the OpenAPI document lists them.
    public var parameters: [ReportParameter] {
        switch self {
        case .events: [.from, .to, .source, .funnelStage, .eventType, .groupBy]
        case .revenue: [.from, .to, .source, .campaignId, .groupBy]
        case .funnel, .demographics: [.from, .to, .source]
        case .dau: [.from, .to, .segment]
        case .topEvents: [.from, .to, .limit, .segment]
        case .retention: [.startDate, .windows]
        }
    }

    /// The values `groupBy` may take on this route.
    public var groupings: [ReportGrouping] {
        switch self {
        case .events: [.hour, .day, .source, .eventType, .funnelStage]
        case .revenue: [.day, .source, .campaignId]
        case .funnel, .demographics, .dau, .topEvents, .retention: []
        }
    }

    /// The time step of the aggregate the route reads for `segment`: the whole steps of a range are read
    /// from it, the parts of a step at its edges from the raw events (``ReportRange``). Top events read the
    /// hourly counts unless the segment is on a field only the daily counts keep (country, device), so that
    /// their edges are minutes rather than most of a day.
    func granularity(segment: Segment?) -> TimeGranularity {
        switch self {
        case .events, .revenue: .hour
        case .topEvents:
            if let field = segment?.field, !Self.hourlyCountFields.contains(field) { .day } else { .hour }
        case .funnel, .demographics, .dau, .retention: .day
        }
    }

    /// The segment fields the hourly event counts keep.
    static let hourlyCountFields: Set<Segment.Field> = [.source, .eventType]
}

/// A query parameter of the reports API.
public enum ReportParameter: String, Sendable, Hashable, CaseIterable {
    case from, to, source, funnelStage, eventType, campaignId, groupBy, limit, segment
    case startDate = "start_date"
    case windows
}

/// What `groupBy` splits a report by.
public enum ReportGrouping: String, Sendable, Hashable, CaseIterable {
    case hour, day, source, eventType, funnelStage, campaignId
}

/// The time step of an aggregate table.
enum TimeGranularity: Sendable {
    case hour, day

    var seconds: Int64 {
        switch self {
        case .hour: 3_600
        case .day: 86_400
        }
    }
}
