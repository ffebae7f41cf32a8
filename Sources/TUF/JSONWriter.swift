/// Writes JSON for files people read: valid RFC 8259, members sorted by the UTF-8 bytes of their
/// names, two-space indentation and a final newline.
///
/// What is signed is never these bytes but the canonical form of the parsed value, so the file
/// layout does not matter to a verifier.
public enum JSONWriter {
    /// The pretty-printed bytes of `value`.
    public static func prettyPrinted(_ value: JSONValue) -> [UInt8] {
        var output: [UInt8] = []
        write(value, indent: 0, to: &output)
        output.append(UInt8(ascii: "\n"))
        return output
    }

    private static func newline(_ indent: Int, _ output: inout [UInt8]) {
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    private static func write(_ value: JSONValue, indent: Int, to output: inout [UInt8]) {
        switch value {
        case .null, .bool, .integer: output.append(contentsOf: CanonicalJSON.encode(value))
        case .string(let string): JSONStringEscaper.write(string, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(indent + 1, &output)
                write(element, indent: indent + 1, to: &output)
            }
            if !elements.isEmpty { newline(indent, &output) }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            for (index, member) in object.membersSortedByUTF8.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(indent + 1, &output)
                JSONStringEscaper.write(member.name, to: &output)
                output.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
                write(member.value, indent: indent + 1, to: &output)
            }
            if !object.isEmpty { newline(indent, &output) }
            output.append(UInt8(ascii: "}"))
        }
    }
}
