import TUF
import TestSupport
import Testing

@Suite("Canonical JSON interop with securesystemslib")
struct CanonicalJSONInteropTests {
    @Test("1,000 generated documents encode byte for byte as encode_canonical does")
    func matchesSecureSystemsLib() async throws {
        var generator = DocumentGenerator(random: SeededGenerator(state: 0x7475_6672_6F6F_74))
        let documents = (0..<1_000).map { generator.document($0) }
        // Hand python the documents as standard JSON; our own parser must read that back too.
        let wire = JSONWriter.prettyPrinted(.array(documents))
        #expect(try JSONParser(options: .init(maximumDepth: 256)).parse(wire) == .array(documents))

        let lines = try await Python.run("canonical.py", input: wire).split(separator: "\n")
        try #require(lines.count == documents.count)
        var mismatches: [Int] = []
        for (index, document) in documents.enumerated() where Hex.encode(CanonicalJSON.encode(document)) != lines[index] {
            mismatches.append(index)
        }
        #expect(mismatches.isEmpty, "documents whose canonical bytes differ: \(mismatches.prefix(10))")
    }
}
