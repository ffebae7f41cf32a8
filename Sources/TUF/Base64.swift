/// Base64 over UTF-8 bytes. Decoding takes the standard and URL-safe alphabets, padding
/// optional, and nothing else (no whitespace); encoding writes the standard alphabet, padded.
/// Foundation's coders go through `String` and `Data` (decoding through UTF-16), which
/// dominated verification time.
package enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// For each character, its six bits already shifted to their place in a four-character
    /// block (one table per place), so that a block is four lookups and three ORs. A character
    /// outside the alphabet sets bit 31, which no valid block has; a URL-safe character sets
    /// bit 30, which no byte is taken from, to tell the two alphabets apart at no cost.
    private static let tables: [UInt32] = {
        let invalid: UInt32 = 1 << 31
        var tables = [UInt32](repeating: invalid, count: 4 * 256)
        var values: [(UInt8, UInt32)] = alphabet.enumerated().map { ($1, UInt32($0)) }
        values += [(UInt8(ascii: "-"), 62 | urlSafe >> 18), (UInt8(ascii: "_"), 63 | urlSafe >> 18)]
        for (character, value) in values {
            for place in 0..<4 {
                let bits = value & 0x3F
                tables[place * 256 + Int(character)] = bits << (18 - 6 * UInt32(place)) | (value == bits ? 0 : urlSafe)
            }
        }
        return tables
    }()

    private static let urlSafe: UInt32 = 1 << 30

    /// The bytes `text` encodes, or nil when it is not base64.
    package static func decode(_ text: String) -> [UInt8]? {
        decodeNotingForm(text)?.bytes
    }

    /// The bytes `text` encodes, and whether `text` is exactly what ``encode(_:)`` writes for
    /// them (the standard alphabet, padded); nil when it is not base64.
    package static func decodeNotingForm(_ text: String) -> (bytes: [UInt8], isStandard: Bool)? {
        var text = text
        return text.withUTF8 { decodeNotingForm($0) }
    }

    package static func decode(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        decodeNotingForm(input)?.bytes
    }

    package static func decodeNotingForm(_ input: UnsafeBufferPointer<UInt8>) -> (bytes: [UInt8], isStandard: Bool)? {
        var length = input.count
        while length > 0, input[length - 1] == UInt8(ascii: "=") { length -= 1 }
        guard input.count - length <= 2, length % 4 != 1 else { return nil }
        if input.count != length, input.count % 4 != 0 { return nil }
        let outputCount = length * 3 / 4
        var valid = true
        var standardAlphabet = true
        let output = tables.withUnsafeBufferPointer { tables in
            [UInt8](unsafeUninitializedCapacity: outputCount) { output, initialized in
                initialized = 0
                guard var source = input.baseAddress, let table = tables.baseAddress, var target = output.baseAddress else {
                    valid = length == 0
                    return
                }
                // Wrapping arithmetic and moving pointers: every index stays inside the buffers
                // (four characters in, three bytes out, counted above), and checked arithmetic
                // on each would double the loop's instructions.
                let blocks = length / 4
                var invalid: UInt32 = 0
                for _ in 0..<blocks {
                    let value =
                        table[Int(source[0])] | table[256 &+ Int(source[1])] | table[512 &+ Int(source[2])]
                        | table[768 &+ Int(source[3])]
                    invalid |= value
                    target[0] = UInt8(truncatingIfNeeded: value &>> 16)
                    target[1] = UInt8(truncatingIfNeeded: value &>> 8)
                    target[2] = UInt8(truncatingIfNeeded: value)
                    source += 4
                    target += 3
                }
                var written = blocks * 3
                let remainder = length - blocks * 4
                if remainder >= 2 {
                    let value =
                        table[Int(source[0])] | table[256 + Int(source[1])] | (remainder == 3 ? table[512 + Int(source[2])] : 0)
                    invalid |= value
                    // Leftover bits must be zero, so that each text has one decoding.
                    if value & (remainder == 3 ? 0xFF : 0xFFFF) != 0 { invalid |= 1 << 31 }
                    target[0] = UInt8(truncatingIfNeeded: value >> 16)
                    written += 1
                    if remainder == 3 {
                        target[1] = UInt8(truncatingIfNeeded: value >> 8)
                        written += 1
                    }
                }
                // One check at the end: a text with a character outside the alphabet is refused
                // whole, whatever was written before it.
                valid = invalid & (1 << 31) == 0
                standardAlphabet = invalid & urlSafe == 0
                initialized = written
            }
        }
        // Leftover bits were refused above, so a padded text in the standard alphabet is the
        // one encoding of its bytes.
        return valid ? (output, standardAlphabet && input.count % 4 == 0) : nil
    }

    /// The standard, padded base64 of `bytes`.
    package static func encode(_ bytes: [UInt8]) -> [UInt8] {
        let count = (bytes.count + 2) / 3 * 4
        return alphabet.withUnsafeBufferPointer { alphabet in
            bytes.withUnsafeBufferPointer { input in
                [UInt8](unsafeUninitializedCapacity: count) { output, initialized in
                    initialized = 0
                    guard var source = input.baseAddress, let digits = alphabet.baseAddress, var target = output.baseAddress else { return }
                    let blocks = input.count / 3
                    for _ in 0..<blocks {
                        let value = UInt32(source[0]) &<< 16 | UInt32(source[1]) &<< 8 | UInt32(source[2])
                        target[0] = digits[Int(value &>> 18)]
                        target[1] = digits[Int(value &>> 12 & 0x3F)]
                        target[2] = digits[Int(value &>> 6 & 0x3F)]
                        target[3] = digits[Int(value & 0x3F)]
                        source += 3
                        target += 4
                    }
                    // One or two bytes left: two or three characters and the padding.
                    switch input.count - blocks * 3 {
                    case 1:
                        let value = UInt32(source[0]) << 16
                        target[0] = digits[Int(value >> 18)]
                        target[1] = digits[Int(value >> 12 & 0x3F)]
                        target[2] = UInt8(ascii: "=")
                        target[3] = UInt8(ascii: "=")
                    case 2:
                        let value = UInt32(source[0]) << 16 | UInt32(source[1]) << 8
                        target[0] = digits[Int(value >> 18)]
                        target[1] = digits[Int(value >> 12 & 0x3F)]
                        target[2] = digits[Int(value >> 6 & 0x3F)]
                        target[3] = UInt8(ascii: "=")
                    default: break
                    }
                    initialized = count
                }
            }
        }
    }
}
