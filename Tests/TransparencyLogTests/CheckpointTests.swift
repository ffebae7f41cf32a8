import Foundation
import Testing

@testable import TransparencyLog

/// Checkpoints are read as signed notes: lines and fields split on bytes, no control characters
/// in the note but its newlines, every malformed part refused.
@Suite("Checkpoint")
struct CheckpointTests {
    static let hash = Data(repeating: 0xAB, count: 32).base64EncodedString()
    static let signature = Data([1, 2, 3, 4] + Array(repeating: 9, count: 64)).base64EncodedString()

    static func note(_ body: String, signatures: String = "\u{2014} log.example \(signature)\n") -> String {
        body + "\n" + signatures
    }

    @Test func readsANote() throws {
        let checkpoint = try Checkpoint(Self.note("log.example - 1\n42\n\(Self.hash)\nextension line\n"))
        #expect(checkpoint.origin == "log.example - 1")
        #expect(checkpoint.treeSize == 42)
        #expect(checkpoint.rootHash == Array(repeating: 0xAB, count: 32))
        #expect(checkpoint.text == Array("log.example - 1\n42\n\(Self.hash)\nextension line\n".utf8))
        #expect(checkpoint.signatures.map(\.name) == ["log.example"])
        #expect(checkpoint.signatures.first?.keyHash == [1, 2, 3, 4])

        // Names are split on the space byte: a combining mark after it belongs to the name.
        let combining = try Checkpoint(Self.note("o\n1\n\(Self.hash)\n", signatures: "\u{2014} \u{301}name \(Self.signature)\n"))
        #expect(combining.signatures.map(\.name) == ["\u{301}name"])
    }

    @Test(arguments: [
        "o\r\n1\n\(hash)\n", "o\n1\n\(hash)\r\n", "o\t\n1\n\(hash)\n", "o\n+1\n\(hash)\n", "o\n01\n\(hash)\n", "o\n-1\n\(hash)\n",
        "\n1\n\(hash)\n", "o\n1\n", "o\n1\nAAAA\n",
    ])
    func refusesMalformedNotes(_ body: String) {
        #expect(throws: LogError.self) { try Checkpoint(Self.note(body)) }
    }

    @Test(arguments: [
        "", "- log.example \(signature)\n", "\u{2014}  log.example \(signature)\n", "\u{2014} \(signature)\n",
        "\u{2014} log.example AAAA\n", "\u{2014} log.example \(signature) extra\n", "\u{2014} log.example \(signature)\r\n",
    ])
    func refusesMalformedSignatureLines(_ lines: String) {
        #expect(throws: LogError.self) { try Checkpoint(Self.note("o\n1\n\(Self.hash)\n", signatures: lines)) }
    }

    @Test func needsABlankLine() {
        #expect(throws: LogError.self) { try Checkpoint("o\n1\n\(Self.hash)\n\u{2014} log.example \(Self.signature)\n") }
    }
}
