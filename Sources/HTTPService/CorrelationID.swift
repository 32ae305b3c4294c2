/// Correlation ids the platform makes for requests that arrive without one.
public enum CorrelationID {
    /// A random (version 4) UUID in lowercase text, e.g. `0f8fad5b-d9cb-469f-a165-70867728950e`.
    ///
    /// Not Foundation's `UUID()`: on Linux it opens and reads `/dev/urandom` on every call, about 5% of
    /// the gateway's CPU at 8,000 single-event requests a second (perf); the standard library's
    /// generator asks the kernel without opening a file.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        // Bytes 0–7 and 8–15 of the UUID, big-endian: the version nibble starts bytes 6–7, the variant
        // (binary 10) starts byte 8.
        let high = (generator.next() as UInt64) & ~0xF000 | 0x4000
        let low = (generator.next() as UInt64) & ~(0b11 << 62) | (0b10 << 62)
        func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10 }
        return String(unsafeUninitializedCapacity: 36) { text in
            var position = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    text[position] = UInt8(ascii: "-")
                    position += 1
                }
                let byte = UInt8(truncatingIfNeeded: (index < 8 ? high : low) >> (56 - 8 * (index % 8)))
                text[position] = hexDigit(byte >> 4)
                text[position + 1] = hexDigit(byte & 0xF)
                position += 2
            }
            return position
        }
    }
}
