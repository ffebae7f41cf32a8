/// A strict JSON parser for signed metadata.
///
/// It accepts RFC 8259 JSON restricted to what TUF's canonical form can represent, and rejects
/// with a byte offset everything on which JSON parsers are known to disagree: duplicate member
/// names, numbers with a fraction or exponent, integers beyond 64 bits, invalid UTF-8, unpaired
/// surrogate escapes, trailing commas and a byte-order mark. Depth and size are bounded.
public struct JSONParser: Sendable {
    /// Limits and leniencies of a parser.
    public struct Options: Sendable, Equatable {
        /// The deepest nesting of arrays and objects accepted.
        public var maximumDepth: Int
        /// The largest input accepted, in bytes.
        public var maximumBytes: Int
        /// Whether strings may hold raw control characters, as TUF's canonical form writes them.
        /// Off by default: RFC 8259 forbids them, and no metadata file on the wire has them.
        public var allowsRawControlCharacters: Bool

        /// Creates parser options.
        public init(maximumDepth: Int = 128, maximumBytes: Int = 32 << 20, allowsRawControlCharacters: Bool = false) {
            self.maximumDepth = maximumDepth
            self.maximumBytes = maximumBytes
            self.allowsRawControlCharacters = allowsRawControlCharacters
        }
    }

    /// The limits this parser applies.
    public var options: Options

    /// Creates a parser.
    public init(options: Options = Options()) {
        self.options = options
    }

    /// Parses one JSON document.
    ///
    /// - Throws: ``JSONParseError`` naming the problem and its byte offset.
    public func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        if bytes.count > options.maximumBytes {
            throw JSONParseError(.inputTooLarge(limit: options.maximumBytes), at: options.maximumBytes)
        }
        let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            Self.parse(buffer: buffer, options: options)
        }
        switch result ?? Array(bytes).withUnsafeBufferPointer({ Self.parse(buffer: $0, options: options) }) {
        case .success(let value): return value
        case .failure(let error): throw error
        }
    }

    private static func parse(buffer: UnsafeBufferPointer<UInt8>, options: Options) -> Result<JSONValue, JSONParseError> {
        var reader = Reader(bytes: buffer, options: options)
        return Result { () throws(JSONParseError) in try reader.parseDocument() }
    }
}

/// The parser's cursor over the input.
private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    let options: JSONParser.Options
    var position = 0
    var depth = 0
    /// Reused between strings to avoid an allocation per string.
    var scratch: [UInt8] = []

    init(bytes: UnsafeBufferPointer<UInt8>, options: JSONParser.Options) {
        self.bytes = bytes
        self.options = options
        scratch.reserveCapacity(64)
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            throw JSONParseError(.byteOrderMark, at: 0)
        }
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if position < bytes.count { throw JSONParseError(.trailingData, at: position) }
        return value
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    func peek() throws(JSONParseError) -> UInt8 {
        guard position < bytes.count else { throw JSONParseError(.unexpectedEndOfInput, at: position) }
        return bytes[position]
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        switch try peek() {
        case UInt8(ascii: "{"): return .object(try parseObject())
        case UInt8(ascii: "["): return .array(try parseArray())
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try parseInteger())
        case let byte: throw JSONParseError(.unexpectedByte(byte), at: position)
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = literal.utf8Start
        for index in 0..<literal.utf8CodeUnitCount {
            let byte = try peek()
            if byte != start[index] { throw JSONParseError(.unexpectedByte(byte), at: position) }
            position += 1
        }
    }

    mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        if depth > options.maximumDepth {
            throw JSONParseError(.nestingTooDeep(limit: options.maximumDepth), at: position)
        }
        position += 1
    }

    mutating func parseArray() throws(JSONParseError) -> [JSONValue] {
        try enterContainer()
        defer { depth -= 1 }
        var elements: [JSONValue] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            position += 1
            return elements
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            let byte = try peek()
            position += 1
            switch byte {
            case UInt8(ascii: ","):
                let comma = position - 1
                skipWhitespace()
                if try peek() == UInt8(ascii: "]") { throw JSONParseError(.trailingComma, at: comma) }
            case UInt8(ascii: "]"):
                return elements
            default:
                throw JSONParseError(.unexpectedByte(byte), at: position - 1)
            }
        }
    }

    mutating func parseObject() throws(JSONParseError) -> JSONObject {
        try enterContainer()
        defer { depth -= 1 }
        var members: [(name: String, value: JSONValue)] = []
        var seen = MemberNameSet()
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            position += 1
            return JSONObject(uncheckedMembers: members)
        }
        while true {
            skipWhitespace()
            let nameOffset = position
            let byte = try peek()
            guard byte == UInt8(ascii: "\"") else { throw JSONParseError(.unexpectedByte(byte), at: position) }
            let name = try parseString()
            if !seen.insert(name, existing: members) {
                throw JSONParseError(.duplicateMemberName(name), at: nameOffset)
            }
            skipWhitespace()
            let colon = try peek()
            guard colon == UInt8(ascii: ":") else { throw JSONParseError(.unexpectedByte(colon), at: position) }
            position += 1
            skipWhitespace()
            members.append((name, try parseValue()))
            skipWhitespace()
            let separator = try peek()
            position += 1
            switch separator {
            case UInt8(ascii: ","):
                let comma = position - 1
                skipWhitespace()
                if try peek() == UInt8(ascii: "}") { throw JSONParseError(.trailingComma, at: comma) }
            case UInt8(ascii: "}"):
                return JSONObject(uncheckedMembers: members)
            default:
                throw JSONParseError(.unexpectedByte(separator), at: position - 1)
            }
        }
    }

    mutating func parseInteger() throws(JSONParseError) -> Int64 {
        let start = position
        var negative = false
        if bytes[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        let firstDigit = position
        // Accumulate as a negative number so that Int64.min fits.
        var value: Int64 = 0
        var overflow = false
        while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
            let digit = Int64(bytes[position] - UInt8(ascii: "0"))
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.subtractingReportingOverflow(digit)
            overflow = overflow || o1 || o2
            value = next
            position += 1
        }
        if position == firstDigit {
            if position < bytes.count { throw JSONParseError(.unexpectedByte(bytes[position]), at: position) }
            throw JSONParseError(.unexpectedEndOfInput, at: position)
        }
        if bytes[firstDigit] == UInt8(ascii: "0") && position - firstDigit > 1 {
            throw JSONParseError(.leadingZero, at: firstDigit)
        }
        if position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
                throw JSONParseError(.nonIntegerNumber, at: start)
            default: break
            }
        }
        if overflow { throw JSONParseError(.integerOutOfRange, at: start) }
        if negative { return value }
        let (positive, o3) = Int64(0).subtractingReportingOverflow(value)
        if o3 { throw JSONParseError(.integerOutOfRange, at: start) }
        return positive
    }

    mutating func parseString() throws(JSONParseError) -> String {
        position += 1  // opening quote
        // Most strings are printable ASCII without escapes: take those straight from the input.
        let start = position
        // Eight bytes at a time while none of them ends the fast path; then byte by byte.
        if let base = bytes.baseAddress {
            while position + 8 <= bytes.count, !Self.mayEndPlainRun(UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)) {
                position += 8
            }
        }
        while position < bytes.count {
            let byte = bytes[position]
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") else { break }
            position += 1
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "\"") {
            let string = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            position += 1
            return string
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while true {
            guard position < bytes.count else { throw JSONParseError(.unexpectedEndOfInput, at: position) }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape()
            case 0x00..<0x20:
                if !options.allowsRawControlCharacters {
                    throw JSONParseError(.controlCharacterInString(byte), at: position)
                }
                scratch.append(byte)
                position += 1
            case 0x20..<0x80:
                scratch.append(byte)
                position += 1
            default:
                try copyMultiByteScalar()
            }
        }
    }

    /// Whether any of the eight bytes in `word` is a control character, non-ASCII, `"` or `\`.
    /// May say yes for a word without one (the byte loop then decides), never no for a word
    /// with one.
    static func mayEndPlainRun(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        // A byte below 0x20: subtracting 0x20 borrows into its high bit (or the byte was >= 0x80).
        let control = word &- ones &* 0x20
        // A byte equal to c: x ^ c is zero there, and zero minus one sets the high bit.
        let quote = (word ^ (ones &* 0x22)) &- ones
        let backslash = (word ^ (ones &* 0x5C)) &- ones
        return (control | quote | backslash | word) & highBits != 0
    }

    /// Validates one multi-byte UTF-8 sequence (RFC 3629, no overlongs or surrogates) and copies it.
    mutating func copyMultiByteScalar() throws(JSONParseError) {
        let start = position
        let lead = bytes[position]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw JSONParseError(.invalidUTF8, at: start)
        }
        guard start + length <= bytes.count else { throw JSONParseError(.invalidUTF8, at: start) }
        guard secondRange.contains(bytes[start + 1]) else { throw JSONParseError(.invalidUTF8, at: start) }
        for index in (start + 2)..<(start + length) where !(0x80...0xBF).contains(bytes[index]) {
            throw JSONParseError(.invalidUTF8, at: start)
        }
        scratch.append(contentsOf: bytes[start..<(start + length)])
        position += length
    }

    mutating func parseEscape() throws(JSONParseError) {
        let start = position
        guard position + 1 < bytes.count else { throw JSONParseError(.unexpectedEndOfInput, at: bytes.count) }
        let code = bytes[position + 1]
        position += 2
        switch code {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(code)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHex4(escapeStart: start)
            var scalarValue = UInt32(unit)
            if (0xDC00...0xDFFF).contains(unit) { throw JSONParseError(.unpairedSurrogate, at: start) }
            if (0xD800...0xDBFF).contains(unit) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                else { throw JSONParseError(.unpairedSurrogate, at: start) }
                let lowStart = position
                position += 2
                let low = try parseHex4(escapeStart: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else { throw JSONParseError(.unpairedSurrogate, at: start) }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            }
            // Every value left here is a valid scalar: surrogates were handled above.
            appendUTF8(scalarValue)
        default:
            throw JSONParseError(.invalidEscape, at: start)
        }
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    mutating func parseHex4(escapeStart: Int) throws(JSONParseError) -> UInt16 {
        guard position + 4 <= bytes.count else { throw JSONParseError(.invalidEscape, at: escapeStart) }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: throw JSONParseError(.invalidEscape, at: escapeStart)
            }
            value = value << 4 | UInt16(nibble)
            position += 1
        }
        return value
    }
}

/// Member names seen in one object, compared as UTF-8 bytes; a linear scan for small objects.
private struct MemberNameSet {
    private var hashed: Set<UTF8Name>?

    /// Records `name`; returns false when an equal name was already present.
    mutating func insert(_ name: String, existing: [(name: String, value: JSONValue)]) -> Bool {
        if hashed == nil && existing.count < 16 {
            return !existing.contains { UTF8Name.sameBytes($0.name, name) }
        }
        if hashed == nil { hashed = Set(existing.map { UTF8Name($0.name) }) }
        return hashed!.insert(UTF8Name(name)).inserted
    }
}
