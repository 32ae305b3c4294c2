import ArgumentParser
import EventModel

/// The settings of what the platform stores (``StorabilityRule``), shared by the gateway, `up` and `import`,
/// so that a CSV row and a posted event are judged alike.
struct StorabilityOptions: ParsableArguments {
    @Option(help: "Earliest event time accepted, an ISO-8601 date-time. (env: EVENT_TIME_EARLIEST, default 1970-01-01T00:00:00Z)")
    var eventTimeEarliest: String?

    @Option(help: "How far past the current time an event time may lie, in seconds. (env: EVENT_TIME_MAX_AHEAD_SECONDS, default 86400)")
    var eventTimeMaxAheadSeconds: Int?

    /// The rule from the options, else the environment, else the defaults.
    func rule() throws -> StorabilityRule {
        let environment = ServiceBootstrap.environment
        var rule = StorabilityRule()
        let earliest = eventTimeEarliest ?? environment.string("EVENT_TIME_EARLIEST", default: "")
        if !earliest.isEmpty {
            guard let time = StorabilityRule.microseconds(ofDateTime: earliest) else {
                throw ValidationError("EVENT_TIME_EARLIEST=\(earliest) is invalid: expected an ISO-8601 date-time such as 1970-01-01T00:00:00Z")
            }
            rule.earliestTime = time
        }
        let ahead = try eventTimeMaxAheadSeconds
            ?? environment.integer("EVENT_TIME_MAX_AHEAD_SECONDS", default: 86_400, in: 0...(100 * 366 * 86_400))
        rule.maximumTimeAhead = Int64(ahead) * 1_000_000
        return rule
    }
}
