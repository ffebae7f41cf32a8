import Sigstore
import TUF
import Testing

/// Field lookup under protobuf's JSON name or its original snake_case name.
@Suite("Protobuf JSON field lookup")
struct ProtoObjectTests {
    static func object(_ json: String) throws -> ProtoObject {
        try ProtoObject(parsing: Array(json.utf8), what: "test", check: .bundle)
    }

    /// Readers disagree on which of two spellings wins, so a message with both is refused.
    @Test func aFieldUnderBothNamesIsRefused() throws {
        for json in [#"{"log_index":"1","logIndex":"2"}"#, #"{"logIndex":"2","log_index":"1"}"#, #"{"logIndex":"2","log_index":"2"}"#] {
            #expect(throws: VerificationError.self, "\(json)") { try Self.object(json).int64("logIndex") }
        }
        #expect(try Self.object(#"{"logIndex":"2"}"#).int64("logIndex") == 2)
        #expect(try Self.object(#"{"log_index":"1"}"#).int64("logIndex") == 1)
    }

    @Test func aNullJSONNameFallsBackToTheSnakeCaseName() throws {
        #expect(try Self.object(#"{"logIndex":null,"log_index":"1"}"#).int64("logIndex") == 1)
        #expect(try Self.object(#"{"logIndex":null,"log_index":null}"#).optionalInt64("logIndex") == nil)
    }

    @Test func onlyTheExactSnakeCaseFormIsTaken() throws {
        for json in [
            #"{"logindex":"1"}"#, #"{"log__index":"1"}"#, #"{"log_Index":"1"}"#, #"{"_log_index":"1"}"#, #"{"log_index_":"1"}"#,
            #"{"LogIndex":"1"}"#, #"{"log_indeX":"1"}"#,
        ] {
            #expect(try Self.object(json).optionalInt64("logIndex") == nil, "\(json)")
        }
        #expect(try Self.object(#"{"x509_certificate_chain":{}}"#).optionalObject("x509CertificateChain") != nil)
    }

    @Test func namesCompareByTheirBytes() throws {
        // "K" (U+004B) and the Kelvin sign (U+212A) are canonically equivalent, not the same bytes.
        #expect(try Self.object("{\"\u{212A}ind\":\"x\"}").optionalString("Kind") == nil)
        #expect(try Self.object("{\"kind\":\"x\"}").optionalString("kind") == "x")
        #expect(try Self.object("{\"caf\u{E9}\":\"x\"}").optionalString("cafe\u{301}") == nil)
    }

    @Test func failuresNameTheWholePath() throws {
        let document = try Self.object(#"{"outer":{"items":[{"name":"x"},{"name":7}],"bad":[3]}}"#)
        let items = try document.object("outer").objects("items")
        #expect(items[1].path == "test.outer.items[1]")
        #expect(throws: VerificationError(.bundle, "test.outer.items[1].name must be a string")) { try items[1].string("name") }
        #expect(throws: VerificationError(.bundle, "test.outer.bad[0] must be an object")) {
            try document.object("outer").objects("bad")
        }
        #expect(throws: VerificationError(.bundle, "test.outer.missing is missing")) { try document.object("outer").object("missing") }
    }
}
