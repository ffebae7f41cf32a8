/// Why a JSON document was rejected, and the byte offset at which the parser saw it.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kinds of rejection.
    public enum Kind: Equatable, Sendable {
        /// The input ended inside a value.
        case unexpectedEndOfInput
        /// A byte that cannot start or continue a value here.
        case unexpectedByte(UInt8)
        /// The input starts with a UTF-8 byte-order mark, which JSON for signing must not carry.
        case byteOrderMark
        /// A string holds bytes that are not well-formed UTF-8.
        case invalidUTF8
        /// A string holds an unescaped control character (U+0000 to U+001F).
        case controlCharacterInString(UInt8)
        /// A backslash escape that JSON does not define, or a malformed `\u` escape.
        case invalidEscape
        /// A `\u` escape of a UTF-16 surrogate without its partner.
        case unpairedSurrogate
        /// A number with a fraction or an exponent; TUF metadata has integers only.
        case nonIntegerNumber
        /// An integer outside the range of `Int64`.
        case integerOutOfRange
        /// An integer written with a leading zero, such as `01`.
        case leadingZero
        /// A comma directly before `]` or `}`.
        case trailingComma
        /// An object names the same member twice (names compared as UTF-8 bytes).
        case duplicateMemberName(String)
        /// Arrays and objects nest deeper than the parser's bound.
        case nestingTooDeep(limit: Int)
        /// The input is larger than the parser's cap.
        case inputTooLarge(limit: Int)
        /// Something other than white space follows the top-level value.
        case trailingData
    }

    /// What was wrong.
    public let kind: Kind
    /// The offset, in bytes from the start of the input, where the problem was found.
    public let offset: Int

    /// Creates an error of `kind` at byte `offset`.
    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    /// The error or outcome as one line for people.
    public var description: String {
        let what: String
        switch kind {
        case .unexpectedEndOfInput: what = "unexpected end of input"
        case .unexpectedByte(let byte):
            if byte >= 0x20 && byte < 0x7F {
                what = "unexpected character '\(Character(Unicode.Scalar(byte)))'"
            } else {
                what = "unexpected byte 0x\(String(byte, radix: 16))"
            }
        case .byteOrderMark: what = "byte-order mark at the start of the document"
        case .invalidUTF8: what = "invalid UTF-8 in a string"
        case .controlCharacterInString(let byte):
            what = "unescaped control character 0x\(String(byte, radix: 16)) in a string"
        case .invalidEscape: what = "invalid escape sequence in a string"
        case .unpairedSurrogate: what = "unpaired UTF-16 surrogate escape in a string"
        case .nonIntegerNumber: what = "number with a fraction or exponent (only integers are allowed)"
        case .integerOutOfRange: what = "integer outside the 64-bit range"
        case .leadingZero: what = "integer with a leading zero"
        case .trailingComma: what = "trailing comma"
        case .duplicateMemberName(let name): what = "duplicate member name \"\(name)\""
        case .nestingTooDeep(let limit): what = "nesting deeper than \(limit) levels"
        case .inputTooLarge(let limit): what = "input larger than \(limit) bytes"
        case .trailingData: what = "data after the end of the JSON value"
        }
        return "\(what) at byte \(offset)"
    }
}
