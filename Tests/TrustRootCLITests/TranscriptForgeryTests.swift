import Crypto
import Foundation
import TUF
import TestSupport
import Testing

/// The transcript's chain can be recomputed by anyone holding the folder; what cannot be forged
/// without keys is a holder's signature on a `sign` record and the head a signed proposal names.
@Suite("Ceremony transcript forgery")
struct TranscriptForgeryTests {
    typealias Ceremony = CeremonyEndToEndTests.Ceremony

    /// The transcript's lines, each parsed.
    static func lines(_ ceremony: Ceremony) throws -> [JSONObject] {
        let text = try ceremony.folder.read("ws/transcript.jsonl")
        return try text.split(separator: UInt8(ascii: "\n")).map { try #require(try JSONParser().parse(Array($0)).objectValue) }
    }

    /// Writes `records` as the transcript, each line naming the hash of the one before: the
    /// chain a forger recomputes after an edit.
    static func rechain(_ records: [JSONObject], into ceremony: Ceremony) throws {
        var previous = String(repeating: "0", count: 64)
        var text: [UInt8] = []
        for var record in records {
            record["previous"] = .string(previous)
            let line = CanonicalJSON.encode(.object(record))
            previous = Hex.encode(SHA256.hash(data: line))
            text += line + [UInt8(ascii: "\n")]
        }
        try ceremony.folder.write("ws/transcript.jsonl", text)
    }

    func verify(_ ceremony: Ceremony) async throws -> TrustRootBinary.Outcome {
        try await ceremony.ceremony(["verify", ceremony.workspace])
    }

    /// Edits the transcript's records, recomputes the chain as a forger would, and expects
    /// `ceremony verify` to refuse with `message` on standard error.
    func expectRefused(_ ceremony: Ceremony, saying message: String, after edit: (inout [JSONObject]) throws -> Void) async throws {
        var records = try Self.lines(ceremony)
        try edit(&records)
        try Self.rechain(records, into: ceremony)
        let outcome = try await verify(ceremony)
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
    }

    @Test func signRecordsAreSignedAndCannotBeReassigned() async throws {
        let ceremony = try await CeremonyRefusalTests().proposedCeremony()
        let signed = try await ceremony.ceremony(["sign", ceremony.workspace, "--key", ceremony.folder.file("keys/alice.key").path])
        #expect(signed.status == 0, "\(signed.stderr)")
        let report = try await verify(ceremony)
        #expect(report.stdout.contains("1: init by "), "\(report.stdout)")
        #expect(
            report.stdout.range(of: #"2: sign by alice, signed by key [0-9a-f]{64} \(alice\)"#, options: .regularExpression) != nil,
            "\(report.stdout)"
        )
        #expect(report.stdout.contains("proposal/root.json was proposed on an empty transcript"), "\(report.stdout)")

        // The record renamed to bob, the chain recomputed: the signature no longer covers it.
        try await expectRefused(ceremony, saying: "transcript line 2 (sign by bob): its signature is not by key") {
            $0[1]["holder"] = "bob"
        }

        // A signature claimed under another holder's key id does not verify either.
        let otherKey = String(repeating: "a", count: 64)
        try await expectRefused(ceremony, saying: "its signature is not by key \(otherKey)") { records in
            records[1]["holder"] = "alice"
            var signature = try #require(records[1]["signature"]?.objectValue)
            signature["keyid"] = .string(otherKey)
            records[1]["signature"] = .object(signature)
        }

        // Stripped of its signature, the record is shown as unsigned: nobody vouches for it.
        var records = try Self.lines(ceremony)
        records[1]["signature"] = nil
        try Self.rechain(records, into: ceremony)
        let stripped = try await verify(ceremony)
        #expect(stripped.stdout.contains("2: sign by alice, unsigned"), "\(stripped.stdout) \(stripped.stderr)")
    }

    @Test func rewritingTheRecordBeforeAProposalIsCaught() async throws {
        let ceremony = try await CeremonyRefusalTests().proposedCeremony()
        let proposed = try await ceremony.ceremony(["propose", ceremony.workspace, "--root", "--targets", "--replace"])
        #expect(proposed.status == 0, "\(proposed.stderr)")
        let report = try await verify(ceremony)
        #expect(
            report.stdout.contains("proposal/root.json was proposed at transcript line 1: its signers vouch for lines 1 to 1"),
            "\(report.stdout)"
        )

        // The first record rewritten and the chain recomputed: the proposal names a head that
        // is no longer in the transcript.
        try await expectRefused(ceremony, saying: "was proposed at a transcript head that is not in this transcript") {
            $0[0]["holder"] = "someone else"
        }
    }
}
