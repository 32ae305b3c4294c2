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

    static let maximumEventIdLength = 128

    /// The event itself as a scope, or an error when it is not an object.
    func eventScope(_ node: Node) throws(EventValidationError) -> Scope {
        guard document.kind(of: node) == .object else {
            throw EventValidationError(field: "", message: "event must be an object")
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

    func string(_ key: String, in scope: Scope) throws(EventValidationError) -> String {
        let node = try required(key, in: scope)
        guard let value = document.string(node) else { throw .rule(scope.path(of: key), "must be a string") }
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
        return value
    }

    func nullableString(_ key: String, in scope: Scope) throws(EventValidationError) -> String? {
        guard let node = nullable(key, in: scope) else { return nil }
        guard let value = document.string(node) else { throw .rule(scope.path(of: key), "must be a string or null") }
        return value
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

    /// An integer literal >= 0 (`25`; not `25.0`, not `2.5e1`).
    func nonNegativeInteger(_ key: String, in scope: Scope) throws(EventValidationError) -> Int {
        let node = try required(key, in: scope)
        guard let value = document.int(node), value >= 0 else {
            throw .rule(scope.path(of: key), "must be an integer >= 0")
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
        return text
    }
}
