// Fuzzes the transparency-log parsers a log reader or monitor runs on what a log serves: signed
// notes and checkpoints (with their signatures and witness cosignatures checked), entry bundles,
// entry bodies, verifier keys, and consistency and inclusion proofs. The first byte chooses the
// parser. Each either refuses the input with a LogError or returns a value; nothing may crash,
// hang or leak.
import Foundation
import FuzzSupport
import TransparencyLog

/// Fixed keys, held in a static so that the leak checker sees them as reachable.
enum Shared {
    static let logKey = try! Ed25519NoteVerifier(name: "example.com/log", publicKey: Array(repeating: 7, count: 32))
    static let witness = try! Cosigner(name: "example.com/witness", publicKey: Array(repeating: 9, count: 32))
    static let policy = try! WitnessPolicy(cosigners: [witness], quorum: 1)
}

/// Reads `count` big-endian bytes at `offset` as a size no larger than `limit`.
func size(_ bytes: [UInt8], at offset: Int, limit: Int64) -> Int64 {
    var value: Int64 = 0
    for index in offset..<min(offset + 4, bytes.count) { value = value << 8 | Int64(bytes[index]) }
    return value % (limit + 1)
}

func check(_ input: UnsafeBufferPointer<UInt8>) {
    guard let selector = input.first else { return }
    let bytes = Array(input.dropFirst())
    switch selector % 6 {
    case 0:
        guard let note = try? SignedNote(bytes) else { return }
        _ = note.verifiedSignatures(by: Shared.logKey)
        _ = try? Shared.policy.check(note)
        _ = note.bytes
    case 1:
        guard let checkpoint = try? Checkpoint(bytes) else { return }
        _ = try? checkpoint.verify(by: Shared.logKey)
        _ = checkpoint.extensionLines
    case 2:
        guard let count = bytes.first else { return }
        _ = try? EntryBundle.entries(Array(bytes.dropFirst()), count: Int(count))
    case 3:
        _ = try? LogEntryContent(body: bytes)
    case 4:
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? Ed25519NoteVerifier(verifierKey: text)
        _ = try? Cosigner(verifierKey: text)
    default:
        // Two sizes, then 32-byte hashes: the first two are the roots, the rest the proof.
        guard bytes.count >= 8 else { return }
        let first = size(bytes, at: 0, limit: 1 << 40)
        let second = first + size(bytes, at: 4, limit: 1 << 40)
        var hashes: [[UInt8]] = []
        var offset = 8
        while offset + 32 <= bytes.count {
            hashes.append(Array(bytes[offset..<(offset + 32)]))
            offset += 32
        }
        guard hashes.count >= 2 else { return }
        _ = MerkleConsistency.verify(
            firstSize: first,
            firstRoot: hashes[0],
            secondSize: second,
            secondRoot: hashes[1],
            proof: Array(hashes.dropFirst(2))
        )
        _ = MerkleInclusion.rootHash(leafHash: hashes[0], index: first, treeSize: second, proof: Array(hashes.dropFirst()))
    }
}

runFuzzer(check)
