import TUF
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    func parse(_ text: String, options: JSONParser.Options = .init()) throws(JSONParseError) -> JSONValue {
        try JSONParser(options: options).parse(Array(text.utf8))
    }

    func rejection(_ bytes: [UInt8], options: JSONParser.Options = .init()) -> JSONParseError? {
        do {
            _ = try JSONParser(options: options).parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    func rejection(_ text: String, options: JSONParser.Options = .init()) -> JSONParseError? {
        rejection(Array(text.utf8), options: options)
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" { "a" : [1, -2, true, false, null, "x"], "b": {}, "c": [] } "#)
        #expect(value == ["a": [1, -2, true, false, nil, "x"], "b": .object(JSONObject()), "c": []])
    }

    /// Strings are scanned eight bytes at a time until a byte needs a closer look; every such
    /// byte, at every offset and after every run length, must still be seen.
    @Test func findsEveryByteThatEndsAPlainRunAtEveryOffset() throws {
        let specials: [(json: [UInt8], decoded: String?)] = [
            (Array(#"\""#.utf8), "\""), (Array(#"\\"#.utf8), "\\"), (Array(#"\n"#.utf8), "\n"), (Array("é".utf8), "é"),
            (Array("😀".utf8), "😀"), ([0x7F], "\u{7F}"), ([0x1F], nil), ([0x00], nil), ([0xFF], nil),
        ]
        for length in 0..<24 {
            for offset in 0...length {
                let plain = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
                for special in specials {
                    let json = [UInt8(ascii: "\"")] + plain[..<offset] + special.json + plain[offset...] + [UInt8(ascii: "\"")]
                    if let decoded = special.decoded {
                        let expected =
                            String(decoding: plain[..<offset], as: UTF8.self) + decoded + String(decoding: plain[offset...], as: UTF8.self)
                        #expect(try JSONParser().parse(json) == .string(expected), "length \(length), offset \(offset)")
                    } else {
                        #expect(rejection(json) != nil, "length \(length), offset \(offset), byte \(special.json)")
                    }
                }
                // And the closing quote itself, with nothing special before it.
                let closed = [UInt8(ascii: "\"")] + plain[..<offset] + [UInt8(ascii: "\"")]
                #expect(try JSONParser().parse(closed) == .string(String(decoding: plain[..<offset], as: UTF8.self)))
            }
        }
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try parse(#""\" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00 \u0000""#)
        #expect(value == .string("\" \\ / \u{8} \u{C} \n \r \t é 😀 \u{0}"))
    }

    @Test func keepsUnicodeEquivalentNamesApart() throws {
        let value = try parse("{\"é\": 1, \"e\u{301}\": 2, \"K\": 3, \"\u{212A}\": 4}")
        let object = try #require(value.objectValue)
        #expect(object.count == 4)
        #expect(object["é"] == 1)
        #expect(object["e\u{301}"] == 2)
        #expect(object["\u{212A}"] == 4)
        #expect(value != (try parse("{\"e\u{301}\": 1, \"é\": 2, \"K\": 3, \"\u{212A}\": 4}")))
    }

    @Test func acceptsTheInt64Extremes() throws {
        #expect(try parse("9223372036854775807") == .integer(.max))
        #expect(try parse("-9223372036854775808") == .integer(.min))
        #expect(try parse("-0") == .integer(0))
    }

    @Test func rejectsDuplicateMemberNamesByBytes() {
        #expect(rejection(#"{"a": 1, "b": 2, "a": 3}"#) == JSONParseError(.duplicateMemberName("a"), at: 17))
        #expect(rejection(#"{"\u00e9": 1, "é": 2}"#) == JSONParseError(.duplicateMemberName("é"), at: 14))
        // Past the linear-scan size the parser switches to a hash set; the rule must not change.
        let many = (0..<40).map { "\"k\($0)\": \($0)" }.joined(separator: ",")
        #expect(rejection("{\(many), \"k7\": 0}")?.kind == .duplicateMemberName("k7"))
        #expect(rejection("{\(many), \"e\u{301}\": 0, \"é\": 1}") == nil)
    }

    @Test func rejectsFractionsAndExponents() {
        #expect(rejection("[1.0]") == JSONParseError(.nonIntegerNumber, at: 1))
        #expect(rejection("[1e3]") == JSONParseError(.nonIntegerNumber, at: 1))
        #expect(rejection("[-2E-1]") == JSONParseError(.nonIntegerNumber, at: 1))
    }

    @Test func rejectsIntegersOutsideInt64() {
        #expect(rejection(#"{"v": 9223372036854775808}"#) == JSONParseError(.integerOutOfRange, at: 6))
        #expect(rejection("-9223372036854775809") == JSONParseError(.integerOutOfRange, at: 0))
        #expect(rejection("123456789012345678901234567890") == JSONParseError(.integerOutOfRange, at: 0))
    }

    @Test func rejectsLeadingZerosAndBareSigns() {
        #expect(rejection("[012]") == JSONParseError(.leadingZero, at: 1))
        #expect(rejection("[-]") == JSONParseError(.unexpectedByte(UInt8(ascii: "]")), at: 2))
        #expect(rejection("+1") == JSONParseError(.unexpectedByte(UInt8(ascii: "+")), at: 0))
    }

    @Test func rejectsInvalidUTF8() {
        let quote = UInt8(ascii: "\"")
        // Overlong encoding, encoded surrogate, truncated sequence, stray continuation, 0xFF.
        for bad: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE6, 0x97], [0x80], [0xFF], [0xF4, 0x90, 0x80, 0x80]] {
            #expect(rejection([quote, 0x61] + bad + [quote]) == JSONParseError(.invalidUTF8, at: 2), "\(bad)")
        }
    }

    @Test func rejectsUnpairedSurrogateEscapes() {
        #expect(rejection(#""a\ud800""#) == JSONParseError(.unpairedSurrogate, at: 2))
        #expect(rejection(#""a\udc00\ud800""#) == JSONParseError(.unpairedSurrogate, at: 2))
        #expect(rejection(#""\ud800\u0041""#) == JSONParseError(.unpairedSurrogate, at: 1))
        #expect(rejection(#""\ud800x""#) == JSONParseError(.unpairedSurrogate, at: 1))
    }

    @Test func rejectsTrailingCommas() {
        #expect(rejection("[1, 2, ]") == JSONParseError(.trailingComma, at: 5))
        #expect(rejection(#"{"a": 1,}"#) == JSONParseError(.trailingComma, at: 7))
    }

    @Test func rejectsAByteOrderMark() {
        #expect(rejection([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) == JSONParseError(.byteOrderMark, at: 0))
    }

    @Test func boundsNesting() {
        let options = JSONParser.Options(maximumDepth: 5)
        #expect(rejection("[[[[[1]]]]]", options: options) == nil)
        #expect(rejection("[[[[[[1]]]]]]", options: options) == JSONParseError(.nestingTooDeep(limit: 5), at: 5))
        #expect(rejection(#"{"a":{"b":{"c":{"d":{"e":{}}}}}}"#, options: options)?.kind == .nestingTooDeep(limit: 5))
        // The default bound stops a hostile document long before the stack could.
        let hostile = String(repeating: "[", count: 100_000)
        #expect(rejection(hostile) == JSONParseError(.nestingTooDeep(limit: 128), at: 128))
    }

    @Test func capsInputSize() {
        let options = JSONParser.Options(maximumBytes: 10)
        #expect(rejection("[1,2,3,4]", options: options) == nil)
        #expect(rejection("[1,2,3,4,5]", options: options) == JSONParseError(.inputTooLarge(limit: 10), at: 10))
    }

    @Test func rejectsRawControlCharactersUnlessAsked() throws {
        #expect(rejection("\"a\u{1}b\"") == JSONParseError(.controlCharacterInString(1), at: 2))
        #expect(rejection("\"a\nb\"") == JSONParseError(.controlCharacterInString(0x0A), at: 2))
        let lenient = JSONParser.Options(allowsRawControlCharacters: true)
        #expect(try parse("\"a\u{1}\n\"", options: lenient) == .string("a\u{1}\n"))
    }

    @Test func rejectsMalformedDocuments() {
        #expect(rejection("") == JSONParseError(.unexpectedEndOfInput, at: 0))
        #expect(rejection("   ") == JSONParseError(.unexpectedEndOfInput, at: 3))
        #expect(rejection("[1") == JSONParseError(.unexpectedEndOfInput, at: 2))
        #expect(rejection(#"{"a" 1}"#) == JSONParseError(.unexpectedByte(UInt8(ascii: "1")), at: 5))
        #expect(rejection("{1: 2}") == JSONParseError(.unexpectedByte(UInt8(ascii: "1")), at: 1))
        #expect(rejection("[1 2]") == JSONParseError(.unexpectedByte(UInt8(ascii: "2")), at: 3))
        #expect(rejection("tru") == JSONParseError(.unexpectedEndOfInput, at: 3))
        #expect(rejection("nul1") == JSONParseError(.unexpectedByte(UInt8(ascii: "1")), at: 3))
        #expect(rejection("{} {}") == JSONParseError(.trailingData, at: 3))
        #expect(rejection(#""\x""#) == JSONParseError(.invalidEscape, at: 1))
        #expect(rejection(#""\u12""#) == JSONParseError(.invalidEscape, at: 1))
        #expect(rejection(#""\u12g4""#) == JSONParseError(.invalidEscape, at: 1))
        #expect(rejection(#""abc"#) == JSONParseError(.unexpectedEndOfInput, at: 4))
    }

    @Test func describesErrorsWithTheirOffset() {
        #expect(JSONParseError(.duplicateMemberName("a"), at: 17).description == "duplicate member name \"a\" at byte 17")
        #expect(JSONParseError(.unexpectedByte(UInt8(ascii: "+")), at: 0).description == "unexpected character '+' at byte 0")
    }
}
