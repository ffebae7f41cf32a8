/// The JSON Canonicalization Scheme of RFC 8785, which Rekor's signed entry timestamps cover.
///
/// Members are sorted by the UTF-16 code units of their names, strings use JSON's minimal
/// escaping, and numbers are written as ECMAScript writes them. Since ``JSONValue`` holds only
/// integers, a number is exact only within ±2^53; a larger one is refused rather than rounded.
public enum RFC8785 {
    /// Why a value has no RFC 8785 form.
    public enum EncodingError: Error, Equatable, Sendable {
        /// An integer that an IEEE 754 double cannot hold exactly.
        case integerNotExactlyRepresentable(Int64)
    }

    /// The largest magnitude up to which a double holds every integer exactly.
    public static let maximumExactInteger: Int64 = 1 << 53

    /// The RFC 8785 bytes of `value`.
    public static func encode(_ value: JSONValue) throws(EncodingError) -> [UInt8] {
        var output: [UInt8] = []
        try write(value, to: &output)
        return output
    }

    private static func write(_ value: JSONValue, to output: inout [UInt8]) throws(EncodingError) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let number):
            guard number >= -maximumExactInteger && number <= maximumExactInteger else {
                throw .integerNotExactlyRepresentable(number)
            }
            output.append(contentsOf: String(number).utf8)
        case .string(let string): JSONStringEscaper.write(string, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                try write(element, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            let sorted = object.members.sorted { $0.name.utf16.lexicographicallyPrecedes($1.name.utf16) }
            for (index, member) in sorted.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONStringEscaper.write(member.name, to: &output)
                output.append(UInt8(ascii: ":"))
                try write(member.value, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }
}
