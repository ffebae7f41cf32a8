import Crypto
import Foundation
import TUF
import TransparencyLog

/// A C2SP static-ct-api log's monitoring prefix as files: the checkpoint with an
/// `RFC6962NoteSignature` by a P-256 key, hash tiles, and data tiles of `TileLeaf`s, for
/// certificates and precertificates the test adds.
public struct TestStaticCTLog: Sendable {
    /// The origin (the submission prefix without the scheme).
    public let origin: String
    /// The tree head key.
    public let key: P256.Signing.PrivateKey
    /// Each entry's `MerkleTreeLeaf` and its `TileLeaf`.
    public private(set) var entries: [(leaf: [UInt8], tileLeaf: [UInt8])] = []

    /// An empty log.
    public init(origin: String = "ct.test.example/2026", key: P256.Signing.PrivateKey = P256.Signing.PrivateKey()) {
        self.origin = origin
        self.key = key
    }

    /// The log id: SHA-256 of the key's DER SubjectPublicKeyInfo.
    public var logID: [UInt8] { Array(SHA256.hash(data: key.publicKey.derRepresentation)) }

    /// Adds a certificate entry logged at `time`.
    public mutating func addCertificate(_ der: [UInt8], at time: Date) {
        let timestamped = Array(TestCTLog.leafHeader(time).dropFirst(2)) + [0, 0] + TestCTLog.vector3(der) + [0, 0]
        entries.append(([0, 0] + timestamped, timestamped + [0, 0]))
    }

    /// Adds a precertificate entry logged at `time`: the tree covers `tbs`, the data tile also
    /// holds `precertificate`.
    public mutating func addPrecertificate(tbs: [UInt8], issuerKeyHash: [UInt8], precertificate: [UInt8], at time: Date) {
        let timestamped = Array(TestCTLog.leafHeader(time).dropFirst(2)) + [0, 1] + issuerKeyHash + TestCTLog.vector3(tbs) + [0, 0]
        entries.append(([0, 0] + timestamped, timestamped + TestCTLog.vector3(precertificate) + [0, 0]))
    }

    /// The files under the monitoring prefix, by path.
    public func files() throws -> [String: [UInt8]] {
        var files = TestTiledLog(origin: origin, entries: entries.map(\.leaf)).files().filter { !$0.key.hasPrefix("tile/entries/") }
        for start in stride(from: 0, to: entries.count, by: 256) {
            let tile = entries[start..<min(start + 256, entries.count)]
            files[TilePath.dataTile(index: Int64(start / 256), width: tile.count)] = tile.flatMap(\.tileLeaf)
        }
        files["checkpoint"] = try checkpoint()
        return files
    }

    /// The checkpoint: the tree head signed as RFC 6962 signs it, in a note signature line.
    public func checkpoint() throws -> [UInt8] {
        let root = entries.isEmpty ? MerkleInclusion.emptyRoot : TestMerkleTree(entries.map(\.leaf)).rootHash
        let text = "\(origin)\n\(entries.count)\n\(Data(root).base64EncodedString())\n"
        let timestamp = UInt64(Date().timeIntervalSince1970 * 1000)
        let signed = CTTreeHeadVerifier.signedData(timestamp: timestamp, treeSize: UInt64(entries.count), rootHash: root)
        let signature = Array(try key.signature(for: signed).derRepresentation)
        let keyHash = Array(SHA256.hash(data: Array(origin.utf8) + [0x0A, 0x05] + logID).prefix(4))
        let body =
            keyHash + (0..<8).map { UInt8(truncatingIfNeeded: timestamp >> (56 - 8 * UInt64($0))) } + [4, 3]
            + [UInt8(signature.count >> 8), UInt8(signature.count & 0xFF)] + signature
        return Array((text + "\n\u{2014} \(origin) \(Data(body).base64EncodedString())\n").utf8)
    }

    /// Writes the files under `folder`.
    public func write(to folder: URL) throws {
        for (relative, bytes) in try files() {
            let url = folder.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
    }
}
