/// Why a text is not JSON, and where: `unexpected character 'x' at byte 17`.
public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The 0-based offset in the input of the byte where parsing stopped.
    public let offset: Int
    /// What is wrong, without the position: `unexpected character 'x'`.
    public let message: String
    /// The caller's limit that stopped the parse; nil when the text is not JSON.
    public let exceededLimit: Limit?

    /// A limit of ``JSONDocument/parse(_:maximumDepth:maximumListLength:maximumValues:)``.
    public enum Limit: Sendable, Hashable {
        /// An array at the top two levels held more elements than allowed.
        case listLength
        /// The text held more values (keys included) than allowed.
        case values
    }

    /// An error with `message` (without position) at byte `offset`.
    public init(_ message: String, at offset: Int, exceededLimit: Limit? = nil) {
        self.message = message
        self.offset = offset
        self.exceededLimit = exceededLimit
    }

    public var description: String { "\(message) at byte \(offset)" }
}

extension JSONSyntaxError {
    /// A byte that no rule allows where it stands; printable ASCII is quoted, other bytes in hex.
    static func unexpected(_ byte: UInt8, at offset: Int) -> JSONSyntaxError {
        if byte > 0x20, byte < 0x7F {
            JSONSyntaxError("unexpected character '\(Character(Unicode.Scalar(byte)))'", at: offset)
        } else {
            JSONSyntaxError("unexpected byte \(hex(byte))", at: offset)
        }
    }

    static func unexpectedEnd(at offset: Int) -> JSONSyntaxError {
        JSONSyntaxError("unexpected end of input", at: offset)
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "0x\(digits[Int(byte >> 4)])\(digits[Int(byte & 0xF)])"
    }
}
