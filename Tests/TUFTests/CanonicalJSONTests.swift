import TUF
import Testing

@Suite("Canonical JSON and RFC 8785 encoders")
struct CanonicalJSONTests {
    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func sortsByUTF8BytesAndWritesNoWhitespace() {
        let value: JSONValue = ["b": 1, "a": ["z": true, "y": nil], "é": "x", "e\u{301}": "y", "A": []]
        #expect(text(CanonicalJSON.encode(value)) == "{\"A\":[],\"a\":{\"y\":null,\"z\":true},\"b\":1,\"e\u{301}\":\"y\",\"é\":\"x\"}")
    }

    @Test func escapesOnlyQuoteAndBackslash() {
        let value: JSONValue = .string("q\" b\\ n\n t\t nul\u{0} del\u{7F} é /")
        #expect(CanonicalJSON.encode(value) == Array("\"q\\\" b\\\\ n\n t\t nul\u{0} del\u{7F} é /\"".utf8))
    }

    @Test func writesIntegersExactly() {
        #expect(text(CanonicalJSON.encode([.integer(.min), .integer(.max), 0, -1])) == "[-9223372036854775808,9223372036854775807,0,-1]")
    }

    @Test func canonicalOutputParsesBackWithRawControlCharactersAllowed() throws {
        let value: JSONValue = ["k\u{1}": "v\n\u{1F}", "n": [1, "é"]]
        let parser = JSONParser(options: .init(allowsRawControlCharacters: true))
        #expect(try parser.parse(CanonicalJSON.encode(value)) == value)
    }

    @Test func rfc8785SortsByUTF16CodeUnits() throws {
        // U+FB33 sorts before U+1F600 by UTF-8 bytes, after it by UTF-16 code units.
        let value: JSONValue = ["\u{FB33}": 1, "😀": 2]
        #expect(text(CanonicalJSON.encode(value)) == "{\"\u{FB33}\":1,\"😀\":2}")
        #expect(text(try RFC8785.encode(value)) == "{\"😀\":2,\"\u{FB33}\":1}")
    }

    @Test func rfc8785EscapesControlCharactersTheECMAScriptWay() throws {
        let value: JSONValue = .string("\u{8}\u{9}\u{A}\u{C}\u{D}\u{1}\u{1F}\"\\/\u{7F}é")
        #expect(text(try RFC8785.encode(value)) == #""\b\t\n\f\r\u0001\u001f\"\\/"# + "\u{7F}é\"")
    }

    @Test func rfc8785MatchesTheRekorEntryShape() throws {
        let entry: JSONValue = ["logIndex": 25_579, "body": "eyJh", "integratedTime": 1_670_000_000, "logID": "c0d2"]
        #expect(text(try RFC8785.encode(entry)) == #"{"body":"eyJh","integratedTime":1670000000,"logID":"c0d2","logIndex":25579}"#)
    }

    @Test func rfc8785RefusesIntegersADoubleCannotHold() {
        #expect(throws: RFC8785.EncodingError.integerNotExactlyRepresentable((1 << 53) + 1)) {
            try RFC8785.encode(.integer((1 << 53) + 1))
        }
        #expect((try? RFC8785.encode(.integer(1 << 53))) == Array("9007199254740992".utf8))
    }

    @Test func prettyWriterIsValidJSONThatParsesBack() throws {
        var generator = DocumentGenerator(random: SeededGenerator(state: 42))
        for index in 0..<200 {
            let document = generator.document(index)
            #expect(try JSONParser().parse(JSONWriter.prettyPrinted(document)) == document, "document \(index)")
        }
    }
}
