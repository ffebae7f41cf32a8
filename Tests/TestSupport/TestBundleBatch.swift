import Crypto
import Foundation
import Sigstore
import TUF
import X509

/// Many bundles from one ``TestInstance`` log, cheaply: one signing certificate, every entry
/// appended first, the Merkle tree hashed once (level by level) and one checkpoint for the
/// whole tree. Each bundle is made on demand from its index, so a test can verify thousands
/// without holding them all.
public struct TestBundleBatch: Sendable {
    /// How a bundle is tampered with, if at all.
    public enum Tampering: Int, Sendable, CaseIterable {
        case none, signature, artifact, proofHash, entryBody, signedEntryTimestamp, checkpoint, logIndex
    }

    /// How many bundles there are.
    public let count: Int
    let certificateDER: [UInt8]
    let bodies: [[UInt8]]
    let signatures: [[UInt8]]
    let entryTimestamps: [[UInt8]]
    /// The log's tree.
    let tree: TestMerkleTree
    let checkpoint: String
    let logID: [UInt8]
    let integratedTime: Int64
    /// Bundle `index` is tampered with when `index % tamperEvery == tamperEvery - 1`.
    public let tamperEvery: Int

    /// The artifact bundle `index` signs.
    public static func artifact(_ index: Int) -> [UInt8] { Array("artifact \(index)\n".utf8) }

    /// The SHA-256 of the artifact bundle `index` signs.
    public static func artifactSHA256(_ index: Int) -> [UInt8] { Array(SHA256.hash(data: artifact(index))) }

    /// `count` signed and logged artifacts, every `tamperEvery`-th bundle to be tampered with.
    public init(instance: TestInstance, count: Int, tamperEvery: Int) throws {
        self.count = count
        self.tamperEvery = tamperEvery
        let key = P256.Signing.PrivateKey()
        let certificate = try instance.issue(to: Certificate.PublicKey(key.publicKey), at: instance.epoch)
        certificateDER = TestInstance.der(certificate)
        let verifier = JSONValue.string(Data(TestInstance.pem("CERTIFICATE", certificateDER).utf8).base64EncodedString())
        logID = instance.logID
        integratedTime = Int64(instance.epoch.timeIntervalSince1970) + 1
        var bodies: [[UInt8]] = []
        var signatures: [[UInt8]] = []
        var entryTimestamps: [[UInt8]] = []
        for index in 0..<count {
            let digest = SHA256.hash(data: Self.artifact(index))
            let signature = Array(try key.signature(for: digest).derRepresentation)
            let body = try RFC8785.encode([
                "apiVersion": "0.0.1", "kind": "hashedrekord",
                "spec": [
                    "data": ["hash": ["algorithm": "sha256", "value": .string(Hex.encode(digest))]],
                    "signature": ["content": .string(Data(signature).base64EncodedString()), "publicKey": ["content": verifier]],
                ],
            ])
            entryTimestamps.append(try instance.signedEntryTimestamp(body: body, integratedTime: integratedTime, index: Int64(index)))
            bodies.append(body)
            signatures.append(signature)
        }
        self.bodies = bodies
        self.signatures = signatures
        self.entryTimestamps = entryTimestamps
        tree = TestMerkleTree(bodies)
        checkpoint = try instance.checkpoint(size: count, rootHash: tree.rootHash)
    }

    /// How bundle `index` is tampered with.
    public func tampering(_ index: Int) -> Tampering {
        guard index % tamperEvery == tamperEvery - 1 else { return .none }
        return Tampering.allCases[1 + (index / tamperEvery) % (Tampering.allCases.count - 1)]
    }

    /// Bundle `index` as JSON bytes, tampered with as ``tampering(_:)`` says.
    public func bundle(_ index: Int) -> [UInt8] {
        let tampering = tampering(index)
        func base64(_ bytes: [UInt8]) -> JSONValue { .string(Data(bytes).base64EncodedString()) }
        func flipped(_ bytes: [UInt8]) -> [UInt8] {
            var copy = bytes
            copy[copy.count / 2] ^= 0x01
            return copy
        }
        var signature = signatures[index]
        var body = bodies[index]
        var path = tree.auditPath(index)
        var entryTimestamp = entryTimestamps[index]
        var note = checkpoint
        var logIndex = index
        switch tampering {
        case .none, .artifact: break
        case .signature: signature = flipped(signature)
        case .proofHash: path[0] = flipped(path[0])
        case .entryBody: body = Array(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "\"sha256\"", with: "\"SHA256\"").utf8)
        case .signedEntryTimestamp: entryTimestamp = flipped(entryTimestamp)
        case .checkpoint: note = note.replacingOccurrences(of: "\n\(count)\n", with: "\n\(count + 1)\n")
        case .logIndex: logIndex = (index + 1) % count
        }
        let digest = Array(SHA256.hash(data: Self.artifact(tampering == .artifact ? index + 1 : index)))
        let entry: JSONValue = [
            "logIndex": .string(String(logIndex)), "logId": ["keyId": base64(logID)],
            "kindVersion": ["kind": "hashedrekord", "version": "0.0.1"], "integratedTime": .string(String(integratedTime)),
            "inclusionPromise": ["signedEntryTimestamp": base64(entryTimestamp)],
            "inclusionProof": [
                "logIndex": .string(String(logIndex)), "rootHash": base64(tree.rootHash), "treeSize": .string(String(count)),
                "hashes": .array(path.map(base64)), "checkpoint": ["envelope": .string(note)],
            ],
            "canonicalizedBody": base64(body),
        ]
        return JSONWriter.prettyPrinted([
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": ["certificate": ["rawBytes": base64(certificateDER)], "tlogEntries": [entry]],
            "messageSignature": [
                "messageDigest": ["algorithm": "SHA2_256", "digest": base64(digest)], "signature": base64(signature),
            ],
        ])
    }
}
