/// Base64 decoding over UTF-8 bytes: the standard and URL-safe alphabets, padding optional,
/// nothing else accepted (no whitespace). Foundation's decoder needs a `String` and a copy
/// through UTF-16, which dominated verification time.
package enum Base64 {
    private static let table: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(character)] = UInt8(index)
        }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// The bytes `text` encodes, or nil when it is not base64.
    package static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode($0) }
    }

    package static func decode(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var length = input.count
        while length > 0, input[length - 1] == UInt8(ascii: "=") { length -= 1 }
        guard input.count - length <= 2, length % 4 != 1 else { return nil }
        if input.count != length, input.count % 4 != 0 { return nil }
        let outputCount = length * 3 / 4
        var valid = true
        let output = table.withUnsafeBufferPointer { table in
            [UInt8](unsafeUninitializedCapacity: outputCount) { output, initialized in
                initialized = 0
                // Four characters at a time; a value of 0xFF (not in the alphabet) taints the block.
                var index = 0
                var written = 0
                while index + 4 <= length {
                    let a = table[Int(input[index])]
                    let b = table[Int(input[index + 1])]
                    let c = table[Int(input[index + 2])]
                    let d = table[Int(input[index + 3])]
                    guard (a | b | c | d) & 0x80 == 0 else {
                        valid = false
                        return
                    }
                    let value = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    output[written] = UInt8(truncatingIfNeeded: value >> 16)
                    output[written + 1] = UInt8(truncatingIfNeeded: value >> 8)
                    output[written + 2] = UInt8(truncatingIfNeeded: value)
                    index += 4
                    written += 3
                }
                let remainder = length - index
                if remainder >= 2 {
                    let a = table[Int(input[index])]
                    let b = table[Int(input[index + 1])]
                    let c = remainder == 3 ? table[Int(input[index + 2])] : 0
                    // Leftover bits must be zero, so that each text has one decoding.
                    guard (a | b | c) & 0x80 == 0, remainder == 3 ? c & 0x03 == 0 : b & 0x0F == 0 else {
                        valid = false
                        return
                    }
                    let value = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6
                    output[written] = UInt8(truncatingIfNeeded: value >> 16)
                    written += 1
                    if remainder == 3 {
                        output[written] = UInt8(truncatingIfNeeded: value >> 8)
                        written += 1
                    }
                }
                initialized = written
            }
        }
        return valid ? output : nil
    }
}
