import EventModel
import Foundation

/// libFuzzer's entry point: every input goes through the JSON parser and through the request parser and
/// validators of each route. A crash, a hang or memory past libFuzzer's limit is a finding; so is a text
/// the parser accepts that Foundation's parser (the reference) refuses or reads differently.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    if let document = try? JSONDocument.parse(bytes, maximumDepth: 64) {
        compareWithFoundation(document, bytes)
    }
    for shape in [EventRequestShape.webhook, .bulk, .productEvents] {
        if let request = try? EventRequest.parse(bytes, shape: shape, maximumEvents: 50_000) {
            // Every accepted item is an event whose bytes lie inside the body.
            for case .success(let event) in request.items {
                precondition(event.byteRange.lowerBound >= 0 && event.byteRange.upperBound <= bytes.count)
                precondition(!event.eventId.isEmpty)
            }
        }
    }
    return 0
}

/// A JSON value, as both parsers are compared on it. Numbers and Booleans are compared by kind only:
/// the two parsers keep numbers differently (text here, Double or Int there), and Foundation on Linux
/// hands out both as NSNumber.
indirect enum Value: Equatable {
    case object([String: Value])
    case array([Value])
    case string([Unicode.Scalar])
    case numberOrBool
    case null
}

func compareWithFoundation(_ document: JSONDocument, _ bytes: [UInt8]) {
    guard let ours = value(of: document.root, in: document) else { return }  // repeated keys: nothing to compare
    let reference: Any
    do {
        reference = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    } catch {
        // Foundation refuses numbers beyond Double's range; with every number made 0 it must accept.
        let zeroed = replacingNumbers(in: document, bytes)
        guard (try? JSONSerialization.jsonObject(with: Data(zeroed), options: [.fragmentsAllowed])) != nil else {
            fatalError("accepted here, refused by Foundation: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
        return
    }
    guard let theirs = foundationValue(reference) else { return }
    precondition(ours == theirs, "read differently: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
}

func value(of node: JSONDocument.Node, in document: JSONDocument) -> Value? {
    switch document.kind(of: node) {
    case .object:
        var members: [String: Value] = [:]
        for (key, child) in document.members(of: node) {
            guard let name = document.string(key), members[name] == nil, let value = value(of: child, in: document) else { return nil }
            members[name] = value
        }
        return .object(members)
    case .array:
        var elements: [Value] = []
        for child in document.elements(of: node) {
            guard let value = value(of: child, in: document) else { return nil }
            elements.append(value)
        }
        return .array(elements)
    case .string:
        return document.string(node).map { .string(Array($0.unicodeScalars)) }
    case .number, .bool:
        return .numberOrBool
    case .null:
        return .null
    }
}

func foundationValue(_ any: Any) -> Value? {
    switch any {
    case let dictionary as [String: Any]:
        var members: [String: Value] = [:]
        for (key, element) in dictionary {
            guard let value = foundationValue(element) else { return nil }
            members[key] = value
        }
        return .object(members)
    case let array as [Any]:
        var elements: [Value] = []
        for element in array {
            guard let value = foundationValue(element) else { return nil }
            elements.append(value)
        }
        return .array(elements)
    case let string as String:
        return .string(Array(string.unicodeScalars))
    case is NSNull:
        return .null
    case is NSNumber, is Bool, is Int, is Double:
        return .numberOrBool
    default:
        return nil
    }
}

/// `bytes` with the text of every number replaced by `0` (and spaces for the rest of it).
func replacingNumbers(in document: JSONDocument, _ bytes: [UInt8]) -> [UInt8] {
    var result = bytes
    func visit(_ node: JSONDocument.Node) {
        switch document.kind(of: node) {
        case .object:
            for (_, child) in document.members(of: node) { visit(child) }
        case .array:
            for child in document.elements(of: node) { visit(child) }
        case .number:
            let range = document.byteRange(of: node)
            result.replaceSubrange(range, with: [UInt8(ascii: "0")] + Array(repeating: UInt8(ascii: " "), count: range.count - 1))
        default:
            break
        }
    }
    visit(document.root)
    return result
}
