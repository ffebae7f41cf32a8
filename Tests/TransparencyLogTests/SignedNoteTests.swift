import Crypto
import Foundation
import TUF
import TestSupport
import Testing

@testable import TransparencyLog

/// Signed notes and their keys, against the vectors of Go's sumdb/note and
/// transparency-dev/formats, and witness cosignatures under a quorum policy.
@Suite("Signed notes")
struct SignedNoteTests {
    /// golang.org/x/mod/sumdb/note's example key, text and signature.
    static let peterKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let peterText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let peterNote =
        peterText + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    /// A witness key of type 0x04 from transparency-dev/formats' tests.
    static let remoraKey = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"

    @Test func verifiesGoSumdbNoteVector() throws {
        let verifier = try Ed25519NoteVerifier(verifierKey: Self.peterKey)
        #expect(Hex.encode(verifier.keyHash) == "c74f20a3")
        let note = try SignedNote(Array(Self.peterNote.utf8))
        #expect(note.text == Array(Self.peterText.utf8))
        #expect(note.verifiedSignatures(by: verifier).map(\.name) == ["PeterNeumann"])
        #expect(note.bytes == Array(Self.peterNote.utf8))

        var altered = Array(Self.peterNote.utf8)
        altered[3] ^= 0x20
        #expect(try SignedNote(altered).verifiedSignatures(by: verifier).isEmpty)
        let otherName = try Ed25519NoteVerifier(name: "PeterNewman", publicKey: Array(verifier.publicKey.rawRepresentation))
        #expect(note.verifiedSignatures(by: otherName).isEmpty)
    }

    @Test func readsAWitnessKeyOfTypeFour() throws {
        let cosigner = try Cosigner(verifierKey: Self.remoraKey)
        #expect(cosigner.name == "remora.n621.de")
        #expect(Hex.encode(cosigner.keyHash) == "da77ade7")
        // The same key is not a type 0x01 note key.
        #expect(throws: LogError.self) { try Ed25519NoteVerifier(verifierKey: Self.remoraKey) }
    }

    @Test(arguments: [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  // another key hash
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",  // cut base64
        "PeterNeumann+c74f20a3",  // no key
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  // space in the name
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq_LDE4izWy10TW",  // URL-safe base64
    ])
    func refusesMalformedVerifierKeys(_ key: String) {
        #expect(throws: LogError.self) { try Ed25519NoteVerifier(verifierKey: key) }
    }

    @Test func refusesMalformedNotes() throws {
        let valid = Array(Self.peterNote.utf8)
        // No newline after the last signature line.
        #expect(throws: LogError.self) { try SignedNote(Array(valid.dropLast())) }
        // A control character in the text.
        #expect(throws: LogError.self) { try SignedNote(Array("a\u{7}b\n".utf8) + valid.drop(while: { $0 != 10 })) }
        // More signature lines than the bound.
        let line = valid.drop(while: { $0 != 0xE2 })
        let many = Array(Self.peterText.utf8) + [10] + Array(repeating: Array(line), count: SignedNote.maximumSignatures + 1).flatMap { $0 }
        #expect(throws: LogError.self) { try SignedNote(many) }
        let most = Array(Self.peterText.utf8) + [10] + Array(repeating: Array(line), count: SignedNote.maximumSignatures).flatMap { $0 }
        #expect(try SignedNote(most).signatures.count == SignedNote.maximumSignatures)
    }

    @Test func witnessQuorumCountsDistinctValidCosigners() throws {
        let log = TestTiledLog(entries: [[1], [2], [3]])
        let text = log.checkpointText()
        let keys = (0..<3).map { _ in Curve25519.Signing.PrivateKey() }
        let cosigners = try keys.enumerated().map {
            try Cosigner(name: "witness\($0.offset).example", publicKey: Array($0.element.publicKey.rawRepresentation))
        }
        let now = UInt64(Date().timeIntervalSince1970)
        func note(_ lines: [[UInt8]]) throws -> SignedNote {
            try SignedNote(TestTiledLog.sign(text, name: log.origin, key: log.key) + lines.flatMap { $0 })
        }
        let first = TestTiledLog.cosignature(text, name: "witness0.example", key: keys[0], time: now)
        let second = TestTiledLog.cosignature(text, name: "witness1.example", key: keys[1], time: now)
        let policy = try WitnessPolicy(cosigners: cosigners, quorum: 2)

        #expect(try policy.check(try note([first, second])) == ["witness0.example", "witness1.example"])
        // One witness twice is still one witness.
        #expect(throws: LogError.self) { try policy.check(try note([first, first])) }
        // A cosignature by another key under a witness's name does not count.
        let forged = TestTiledLog.cosignature(text, name: "witness1.example", key: keys[2], time: now)
        #expect(throws: LogError.self) { try policy.check(try note([first, forged])) }
        // Nor does one dated well into the future.
        let future = TestTiledLog.cosignature(text, name: "witness1.example", key: keys[1], time: now + 86_400)
        #expect(throws: LogError.self) { try policy.check(try note([first, future])) }
        // Nor one over another checkpoint.
        let other = TestTiledLog.cosignature(log.checkpointText(size: 2), name: "witness1.example", key: keys[1], time: now)
        #expect(throws: LogError.self) { try policy.check(try note([first, other])) }
        #expect(throws: LogError.self) { try WitnessPolicy(cosigners: cosigners, quorum: 4) }
        #expect(throws: LogError.self) { try WitnessPolicy(cosigners: cosigners, quorum: 0) }
    }

    @Test func checkpointIsVerifiedByItsLogKeyOnly() throws {
        let log = TestTiledLog(entries: [[1], [2]])
        let checkpoint = try Checkpoint(log.checkpoint())
        try checkpoint.verify(by: log.verifier)
        let stranger = TestTiledLog(origin: log.origin)
        #expect(throws: LogError.self) { try checkpoint.verify(by: stranger.verifier) }
        // The log's ECDSA form (a Rekor v1 log): the key hash is the start of its key's SHA-256.
        let ecdsa = P256.Signing.PrivateKey()
        let der = Array(ecdsa.publicKey.derRepresentation)
        let text = log.checkpointText()
        let hash = Array(SHA256.hash(data: der).prefix(4))
        let signature = Array(try ecdsa.signature(for: text).derRepresentation)
        let signed = text + Array("\n— rekor.example ".utf8) + Base64.encode(hash + signature) + [10]
        try Checkpoint(signed).verify(by: try ECDSANoteVerifier(derPublicKey: der))
        #expect(throws: LogError.self) {
            try Checkpoint(signed).verify(
                by: try ECDSANoteVerifier(derPublicKey: Array(P256.Signing.PrivateKey().publicKey.derRepresentation))
            )
        }
    }
}
