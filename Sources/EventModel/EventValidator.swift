/// Checks event objects of a parsed document against the contract and builds their records.
///
/// Each reader takes the object it reads from as a `Scope` (node plus dotted path), so messages
/// name the full field path; the path string is only built when a rule is broken.
struct EventValidator {
    typealias Node = JSONDocument.Node

    /// An object being validated and where it sits in the event. The dotted path is kept in two
    /// parts and joined only for a message: validation of a valid event builds no strings.
    struct Scope {
        let node: Node
        let parentPath: String
        let name: String

        /// Dotted path of the object; empty for the event itself.
        var path: String { parentPath.isEmpty ? name : "\(parentPath).\(name)" }

        func path(of key: String) -> String { name.isEmpty ? key : "\(path).\(key)" }
    }

    let document: JSONDocument
    let rule: StorabilityRule
    /// The event times ``rule`` accepts, fixed once per document.
    let timeWindow: ClosedRange<Int64>

    static let maximumEventIdLength = 128

    init(document: JSONDocument, rule: StorabilityRule) {
        self.document = document
        self.rule = rule
        self.timeWindow = rule.timeWindow()
    }

    /// Validates one event object of `format`.
    func event(_ node: Node, format: EventFormat) throws(EventValidationError) -> EventRecord {
        switch format {
        case .social: try socialEvent(node)
        case .product: try productEvent(node)
        }
    }

    /// The event itself as a scope, or an error when it is not an object or too large to publish.
    func eventScope(_ node: Node) throws(EventValidationError) -> Scope {
        guard document.kind(of: node) == .object else {
            throw EventValidationError(field: "", message: "event must be an object")
        }
        let size = document.byteRange(of: node).count
        guard size <= rule.maximumEventBytes else {
            throw EventValidationError(
                field: "", message: "event is \(size) bytes; at most \(rule.maximumEventBytes) fit a Kafka record")
        }
        return Scope(node: node, parentPath: "", name: "")
    }

    /// The value of a required member, which may still be of any kind.
    func required(_ key: String, in scope: Scope) throws(EventValidationError) -> Node {
        guard let node = document.member(key, of: scope.node) else { throw .missing(scope.path(of: key)) }
        return node
    }

    /// The value of a nullable member; nil when it is absent or `null`.
    func nullable(_ key: String, in scope: Scope) -> Node? {
        guard let node = document.member(key, of: scope.node), !document.isNull(node) else { return nil }
        return node
    }

    func object(_ key: String, in scope: Scope) throws(EventValidationError) -> Scope {
        let node = try required(key, in: scope)
        guard document.kind(of: node) == .object else { throw .rule(scope.path(of: key), "must be an object") }
        return Scope(node: node, parentPath: scope.path, name: key)
    }

    /// A string the platform keeps (``StorabilityRule``).
    func string(_ key: String, in scope: Scope) throws(EventValidationError) -> String {
        let node = try required(key, in: scope)
        guard let value = document.string(node) else { throw .rule(scope.path(of: key), "must be a string") }
        return try storable(value, key, in: scope)
    }

    /// `value` of a string the platform keeps, when it can be stored.
    func storable(_ value: String, _ key: String, in scope: Scope) throws(EventValidationError) -> String {
        if let problem = StorabilityRule.problem(ofKeptString: value) { throw .rule(scope.path(of: key), problem) }
        return value
    }

    /// A string the platform does not keep: checked, not copied.
    func checkString(_ key: String, in scope: Scope) throws(EventValidationError) {
        guard document.kind(of: try required(key, in: scope)) == .string else {
            throw .rule(scope.path(of: key), "must be a string")
        }
    }

    /// A nullable string the platform does not keep: checked, not copied.
    func checkNullableString(_ key: String, in scope: Scope) throws(EventValidationError) {
        guard let node = nullable(key, in: scope) else { return }
        guard document.kind(of: node) == .string else { throw .rule(scope.path(of: key), "must be a string or null") }
    }

    func nonEmptyString(_ key: String, in scope: Scope) throws(EventValidationError) -> String {
        let node = try required(key, in: scope)
        guard let value = document.string(node), !value.isEmpty else {
            throw .rule(scope.path(of: key), "must be a non-empty string")
        }
        return try storable(value, key, in: scope)
    }

    func nullableString(_ key: String, in scope: Scope) throws(EventValidationError) -> String? {
        guard let node = nullable(key, in: scope) else { return nil }
        guard let value = document.string(node) else { throw .rule(scope.path(of: key), "must be a string or null") }
        return try storable(value, key, in: scope)
    }

    /// A string that must be one of `allowed` (case-sensitive); returns the matching element.
    func oneOf(_ allowed: [String], _ key: String, in scope: Scope) throws(EventValidationError) -> String {
        let node = try required(key, in: scope)
        let match = document.withUTF8(ofString: node) { value in
            allowed.first { candidate in
                var candidate = candidate
                return candidate.withUTF8 { candidate in
                    candidate.count == value.count && (0..<value.count).allSatisfy { candidate[$0] == value[$0] }
                }
            }
        }
        guard let match = match ?? nil else {
            throw .rule(scope.path(of: key), "must be one of \(allowed.joined(separator: ", "))")
        }
        return match
    }

    /// An integer literal >= 0 (`25`; not `25.0`, not `2.5e1`), at most `maximum` (the column's range).
    func nonNegativeInteger(_ key: String, in scope: Scope, maximum: Int = .max) throws(EventValidationError) -> Int {
        let node = try required(key, in: scope)
        guard let value = document.int(node), (0...maximum).contains(value) else {
            throw .rule(scope.path(of: key), maximum == .max ? "must be an integer >= 0" : "must be an integer from 0 to \(maximum)")
        }
        return value
    }

    /// A finite number within `range`, reported with `rule` when it is not.
    func number(
        _ key: String,
        in scope: Scope,
        within range: ClosedRange<Double>,
        rule: String
    ) throws(EventValidationError) -> Double {
        let node = try required(key, in: scope)
        guard let value = document.double(node), range.contains(value) else {
            throw .rule(scope.path(of: key), rule)
        }
        return value
    }

    /// An ISO-8601 date-time string, as microseconds since the epoch.
    func dateTime(_ key: String, in scope: Scope) throws(EventValidationError) -> Int64 {
        let node = try required(key, in: scope)
        guard let microseconds = microsecondsSinceEpoch(node) else {
            throw .rule(scope.path(of: key), "must be an ISO-8601 date-time with offset or Z")
        }
        return microseconds
    }

    /// The event's own time: a date-time within the rule's window.
    func eventTime(_ key: String, in scope: Scope) throws(EventValidationError) -> Int64 {
        let time = try dateTime(key, in: scope)
        guard timeWindow.contains(time) else {
            throw .rule(scope.path(of: key), "must be from \(UTCCalendar.isoText(ofMicroseconds: timeWindow.lowerBound)) to \(UTCCalendar.isoText(ofMicroseconds: timeWindow.upperBound)) (the platform's event time window)")
        }
        return time
    }

    func microsecondsSinceEpoch(_ node: Node) -> Int64? {
        document.withUTF8(ofString: node) { ISO8601DateTime.microsecondsSinceEpoch($0) } ?? nil
    }

    /// A non-negative decimal string (`"129.99"`) or null; nil for null or absent.
    func nullableDecimalString(_ key: String, in scope: Scope) throws(EventValidationError) -> String? {
        guard let node = nullable(key, in: scope) else { return nil }
        guard document.withUTF8(ofString: node, DecimalAmount.isDecimalString) == true, let text = document.string(node)
        else {
            throw .rule(scope.path(of: key), "must be a non-negative decimal string (e.g. \"129.99\") or null")
        }
        return try storable(amount: text, key, in: scope)
    }

    /// `text` of an amount, when it can be stored.
    func storable(amount text: String, _ key: String, in scope: Scope) throws(EventValidationError) -> String {
        guard StorabilityRule.isStorable(amount: text) else {
            throw .rule(scope.path(of: key), "must have at most \(StorabilityRule.maximumAmountDigits) digits")
        }
        return text
    }
}
