/// Settings of the reports API, with the contract's default port (section 2).
public struct ReporterConfiguration: Sendable, Hashable {
    /// The HTTP port.
    public var port: Int = 8081

    public init() {}
}
