import Ceremony
import Foundation
import TUF
import TestSupport
import Testing

@Suite("Ceremony transcript")
struct TranscriptTests {
    @Test func recordsAChainAndCatchesEveryEdit() throws {
        let folder = try TemporaryDirectory()
        let transcript = Transcript(url: folder.file("transcript.jsonl"))
        #expect(try transcript.verify().isEmpty)
        let steps = [("init", "@alice"), ("sign", "@alice"), ("sign", "@bob"), ("publish", "@carol")]
        for (index, (step, holder)) in steps.enumerated() {
            try transcript.append(step: step, holder: holder, metadata: Array("root v\(index)".utf8))
        }
        let records = try transcript.verify()
        #expect(records.map(\.step) == steps.map(\.0))
        #expect(records.map(\.holder) == steps.map(\.1))
        #expect(records[0].previous == String(repeating: "0", count: 64))

        let original = try folder.read("transcript.jsonl")
        let lines = original.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map(Array.init)

        // A changed holder on line 2: line 3 no longer follows.
        var edited = lines
        edited[1] = Array(String(decoding: edited[1], as: UTF8.self).replacingOccurrences(of: "@alice", with: "@mallory").utf8)
        try folder.write("transcript.jsonl", Array(edited.joined(separator: [UInt8(ascii: "\n")])) + [UInt8(ascii: "\n")])
        #expect(throws: CeremonyError.brokenChain(line: 3)) { try transcript.verify() }

        // A removed line, and two swapped lines.
        var removed = lines
        removed.remove(at: 1)
        try folder.write("transcript.jsonl", Array(removed.joined(separator: [UInt8(ascii: "\n")])) + [UInt8(ascii: "\n")])
        #expect(throws: CeremonyError.brokenChain(line: 2)) { try transcript.verify() }
        var swapped = lines
        swapped.swapAt(2, 3)
        try folder.write("transcript.jsonl", Array(swapped.joined(separator: [UInt8(ascii: "\n")])) + [UInt8(ascii: "\n")])
        #expect(throws: CeremonyError.brokenChain(line: 3)) { try transcript.verify() }

        // Garbage, and appending to a broken transcript, are refused.
        try folder.write("transcript.jsonl", original + Array("not json\n".utf8))
        #expect(throws: CeremonyError.malformedTranscript(line: 5, "not a transcript record")) { try transcript.verify() }
        #expect(throws: CeremonyError.self) { try transcript.append(step: "sign", holder: "@dave", metadata: []) }
        #expect(try folder.read("transcript.jsonl") == original + Array("not json\n".utf8))
    }
}
