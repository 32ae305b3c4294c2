/// Money amounts as exact decimal text: revenue is summed as decimals downstream, never as
/// binary floating point, so an amount is carried as the digits the client sent.
enum DecimalAmount {
    /// Whether `text` is a non-negative decimal string: digits, optionally a dot and more digits
    /// (`129.99`, `0.5`, `20`). No sign, exponent, spaces or bare dot: refunds and discounts are not
    /// purchases, and a string is chosen by clients precisely to be read literally.
    static func isDecimalString(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < text.count, text[index].isDigit { index += 1 }
        guard index > 0 else { return false }
        guard index < text.count else { return true }
        guard text[index] == .dot else { return false }
        let fractionStart = index + 1
        index = fractionStart
        while index < text.count, text[index].isDigit { index += 1 }
        return index > fractionStart && index == text.count
    }

    /// The plain decimal text of a non-negative JSON number (`129.99` stays as written, `1.5e3`
    /// becomes `1500`), or nil when the number is negative or its exponent is beyond ±`maximumExponent`
    /// (an amount written as `1e400` is not a price; refusing it keeps the text short).
    static func plainText(ofJSONNumber number: String, maximumExponent: Int = 100) -> String? {
        guard !number.hasPrefix("-") else { return nil }
        let utf8 = Array(number.utf8)
        guard let exponentIndex = utf8.firstIndex(where: { $0 | 0x20 == UInt8(ascii: "e") }) else {
            return number
        }
        guard let exponent = Int(String(decoding: utf8[(exponentIndex + 1)...], as: UTF8.self)),
            abs(exponent) <= maximumExponent
        else { return nil }
        let mantissa = utf8[..<exponentIndex]
        let integerDigits = mantissa.prefix { $0 != .dot }
        let fractionDigits = mantissa.dropFirst(integerDigits.count + 1)
        var digits = Array(integerDigits) + Array(fractionDigits)
        var pointPosition = integerDigits.count + exponent
        if pointPosition <= 0 {
            digits.insert(contentsOf: repeatElement(UInt8.zero, count: 1 - pointPosition), at: 0)
            pointPosition = 1
        } else if pointPosition > digits.count {
            digits.append(contentsOf: repeatElement(UInt8.zero, count: pointPosition - digits.count))
        }
        var integerPart = digits[..<pointPosition].drop { $0 == .zero }
        if integerPart.isEmpty { integerPart = [UInt8.zero][...] }
        let fractionPart = digits[pointPosition...]
        let text = fractionPart.isEmpty ? Array(integerPart) : Array(integerPart) + [.dot] + Array(fractionPart)
        return String(decoding: text, as: UTF8.self)
    }
}
