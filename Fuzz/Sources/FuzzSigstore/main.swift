// Fuzzes the Sigstore parsers a verifier runs on untrusted input: bundles, trusted roots,
// checkpoints, RFC 3161 timestamp tokens and SCT lists; for a parsed bundle also its inclusion proofs,
// checkpoints, timestamps, SCTs and certificate identities. The first byte chooses the parser.
// Each either refuses the input with a VerificationError or returns a value; nothing may crash,
// hang or leak.
import Foundation
import FuzzSupport
import Sigstore
import TransparencyLog

/// The shipped trusted root, held in a static so that the leak checker sees it as reachable.
enum Shared {
    static let root = try! KnownTrustedRoot.production.trustedRoot()
}
let root = Shared.root

func check(_ input: UnsafeBufferPointer<UInt8>) {
    guard let selector = input.first else { return }
    let bytes = Array(input.dropFirst())
    switch selector % 5 {
    case 0:
        guard let bundle = try? SigstoreBundle(bytes: bytes) else { return }
        // The synchronous checks a bundle's parts go through (the chain check is async).
        for entry in bundle.transparencyLogEntries {
            if let envelope = entry.inclusionProof?.checkpoint, let checkpoint = try? Checkpoint(envelope),
                let log = root.transparencyLogs.first
            {
                _ = try? checkpoint.verify(by: TrustedLogKey(log))
            }
            _ = MerkleInclusion.rootHash(
                leafHash: MerkleInclusion.leafHash(entry.canonicalizedBody),
                index: entry.inclusionProof?.logIndex ?? 0,
                treeSize: entry.inclusionProof?.treeSize ?? 1,
                proof: entry.inclusionProof?.hashes ?? []
            )
        }
        for timestamp in bundle.timestamps { _ = try? TimestampToken(der: timestamp) }
        if let leaf = bundle.leafCertificate {
            _ = try? SignedCertificateTimestamp.embedded(in: leaf)
            _ = FulcioCertificate(leaf).identities
        }
    case 1:
        _ = try? TrustedRoot(bytes: bytes)
    case 2:
        if let checkpoint = try? Checkpoint(String(decoding: bytes, as: UTF8.self)), let log = root.transparencyLogs.first {
            _ = try? checkpoint.verify(by: TrustedLogKey(log))
        }
    case 3:
        _ = try? TimestampToken(der: bytes)
    default:
        _ = try? SignedCertificateTimestamp.list(extensionValue: bytes)
    }
}

runFuzzer(check)
