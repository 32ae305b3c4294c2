/// Reads typed settings from environment variables, with messages that name the variable and the rule.
///
/// Only the executable reads the process environment; it passes the values in here, so services and
/// tests never depend on the process they run in.
public struct EnvironmentReader: Sendable {
    /// A setting that is present but not valid.
    public struct InvalidSetting: Error, Sendable, Hashable, CustomStringConvertible {
        public let variable: String
        public let value: String
        public let rule: String

        public init(variable: String, value: String, rule: String) {
            self.variable = variable
            self.value = value
            self.rule = rule
        }

        public var description: String { "\(variable)=\(value) is invalid: \(rule)" }
    }

    private let values: [String: String]

    public init(_ values: [String: String]) {
        self.values = values
    }

    /// The variable's value, or `defaultValue` when it is unset or empty.
    public func string(_ variable: String, default defaultValue: String) -> String {
        guard let value = values[variable], !value.isEmpty else { return defaultValue }
        return value
    }

    /// The variable's value, or `nil` when it is unset or empty.
    public func optionalString(_ variable: String) -> String? {
        guard let value = values[variable], !value.isEmpty else { return nil }
        return value
    }

    /// An integer within `range`, or `nil` when unset.
    public func optionalInteger(_ variable: String, in range: ClosedRange<Int>) throws(InvalidSetting) -> Int? {
        guard values[variable].map({ !$0.isEmpty }) == true else { return nil }
        return try integer(variable, default: 0, in: range)
    }

    /// An integer within `range`, or `defaultValue` when unset.
    public func integer(_ variable: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(InvalidSetting) -> Int {
        guard let text = values[variable], !text.isEmpty else { return defaultValue }
        guard let value = Int(text) else {
            throw InvalidSetting(variable: variable, value: text, rule: "expected a whole number")
        }
        guard range.contains(value) else {
            throw InvalidSetting(variable: variable, value: text, rule: "expected a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A duration given in milliseconds within `range`, or `defaultValue` when unset.
    public func milliseconds(_ variable: String, default defaultValue: Duration, in range: ClosedRange<Int>) throws(InvalidSetting) -> Duration {
        guard values[variable].map({ !$0.isEmpty }) == true else { return defaultValue }
        return .milliseconds(try integer(variable, default: 0, in: range))
    }

    /// A boolean (`true`/`false`, `1`/`0`, `yes`/`no`), or `defaultValue` when unset.
    public func boolean(_ variable: String, default defaultValue: Bool) throws(InvalidSetting) -> Bool {
        guard let text = values[variable], !text.isEmpty else { return defaultValue }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw InvalidSetting(variable: variable, value: text, rule: "expected true or false")
        }
    }
}
