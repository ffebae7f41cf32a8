/// Text from the outside (names, identities, URLs, paths) made safe to show on a terminal: a
/// control character could start a second line that looks like the tool's own output, move
/// the cursor, or reorder what is shown, so each is written as a visible escape instead.
public enum TerminalText {
    /// `text` with every control character written as an escape: `\n`, `\r`, `\t`, or
    /// `\u{…}` for the rest of C0, DEL, C1, the line and paragraph separators and the
    /// bidirectional formatting characters.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default: result += "\\u{\(String(scalar.value, radix: 16))}"
            }
        }
        return result
    }

    /// `text` with each of its lines escaped and the line breaks between them kept: for
    /// output that is meant to span lines, built from parts that are not.
    public static func escapedLines(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0) && $0 != "\n" }) else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { escaped(String($0)) }.joined(separator: "\n")
    }

    /// Whether `text` holds a character ``escaped(_:)`` would escape.
    public static func containsControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains(where: needsEscape)
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x2028, 0x2029, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
