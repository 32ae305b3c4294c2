/// Settings of the ingestion gateway, with the contract's defaults (section 2).
public struct GatewayConfiguration: Sendable, Hashable {
    /// The HTTP port.
    public var port: Int = 8080
    /// Requests with a larger body answer 413.
    public var maximumBodyBytes: Int = 64 * 1024 * 1024
    /// Bulk requests with more events answer 413.
    public var maximumEventsPerRequest: Int = 50_000

    public init() {}
}
