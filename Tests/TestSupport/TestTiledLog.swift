import Crypto
import Foundation
import TUF
import TransparencyLog

/// A C2SP tiled log written to a folder the way a log serves it: the checkpoint, every hash
/// tile (full and partial, at every level) and every entry bundle, for a tree of any size.
///
/// Writing a larger tree into the same folder keeps the older partial tiles, as a log's
/// storage does until they are cleaned up.
public struct TestTiledLog: Sendable {
    /// The log's origin, also the name it signs its checkpoints with.
    public let origin: String
    /// The log's checkpoint key.
    public let key: Curve25519.Signing.PrivateKey
    /// The entries, in order.
    public var entries: [[UInt8]]

    /// A log named `origin` holding `entries`, signing with `key` (a new one unless given).
    public init(origin: String = "log.example/test", key: Curve25519.Signing.PrivateKey? = nil, entries: [[UInt8]] = []) {
        self.origin = origin
        self.key = key ?? Curve25519.Signing.PrivateKey()
        self.entries = entries
    }

    /// The checkpoint key as readers know it.
    public var verifier: Ed25519NoteVerifier {
        try! Ed25519NoteVerifier(name: origin, publicKey: Array(key.publicKey.rawRepresentation))
    }

    /// The root hash of the first `size` entries.
    public func rootHash(size: Int) -> [UInt8] {
        size == 0 ? Array(SHA256.hash(data: [UInt8]())) : TestMerkleTree(Array(entries.prefix(size))).rootHash
    }

    /// The checkpoint text of the first `size` entries (the log's size by default).
    public func checkpointText(size: Int? = nil, rootHash: [UInt8]? = nil) -> [UInt8] {
        let size = size ?? entries.count
        let root = rootHash ?? self.rootHash(size: size)
        return Array("\(origin)\n\(size)\n\(String(decoding: Base64.encode(root), as: UTF8.self))\n".utf8)
    }

    /// `text` signed as a note by `key` under `name`.
    public static func sign(_ text: [UInt8], name: String, key: Curve25519.Signing.PrivateKey) -> [UInt8] {
        let hash = Array(SHA256.hash(data: Array(name.utf8) + [10, 1] + Array(key.publicKey.rawRepresentation)).prefix(4))
        let signature = Array(try! key.signature(for: text))
        return text + Array("\n— \(name) ".utf8) + Base64.encode(hash + signature) + [10]
    }

    /// The log's signed checkpoint for its first `size` entries.
    public func checkpoint(size: Int? = nil) -> [UInt8] {
        Self.sign(checkpointText(size: size), name: origin, key: key)
    }

    /// A witness's cosignature line for `text`, made at `time`.
    public static func cosignature(_ text: [UInt8], name: String, key: Curve25519.Signing.PrivateKey, time: UInt64) -> [UInt8] {
        let hash = Array(SHA256.hash(data: Array(name.utf8) + [10, 4] + Array(key.publicKey.rawRepresentation)).prefix(4))
        let message = Array("cosignature/v1\ntime \(time)\n".utf8) + text
        let timeBytes = (0..<8).map { UInt8(truncatingIfNeeded: time >> (56 - 8 * $0)) }
        let signature = Array(try! key.signature(for: message))
        return Array("— \(name) ".utf8) + Base64.encode(hash + timeBytes + signature) + [10]
    }

    /// Writes the checkpoint, tiles and entry bundles of the first `size` entries under `folder`.
    public func write(to folder: URL, size: Int? = nil) throws {
        let manager = FileManager.default
        for (relative, bytes) in files(size: size) {
            let url = folder.appendingPathComponent(relative)
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
    }

    /// The checkpoint, tiles and entry bundles of the first `size` entries, by path under the
    /// log's prefix.
    public func files(size: Int? = nil) -> [String: [UInt8]] {
        let size = size ?? entries.count
        var files: [String: [UInt8]] = [:]
        func put(_ bytes: [UInt8], _ relative: String) { files[relative] = bytes }
        let leaves = Array(entries.prefix(size))
        for start in stride(from: 0, to: leaves.count, by: 256) {
            let bundle = Array(leaves[start..<min(start + 256, leaves.count)])
            put(EntryBundle.bytes(bundle), TilePath.entries(index: Int64(start / 256), width: bundle.count))
        }
        var hashes = leaves.map { MerkleInclusion.leafHash($0) }
        var level = 0
        while !hashes.isEmpty {
            var parents: [[UInt8]] = []
            for start in stride(from: 0, to: hashes.count, by: 256) {
                let tile = Array(hashes[start..<min(start + 256, hashes.count)])
                put(tile.flatMap { $0 }, TilePath.tile(level: level, index: Int64(start / 256), width: tile.count))
                if tile.count == 256 { parents.append(Self.root(of: tile)) }
            }
            hashes = parents
            level += 1
        }
        put(checkpoint(size: size), "checkpoint")
        return files
    }

    /// The root of a full tile's 256 hashes.
    static func root(of hashes: [[UInt8]]) -> [UInt8] {
        var level = hashes
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map { MerkleInclusion.nodeHash(level[$0], level[$0 + 1]) }
        }
        return level[0]
    }
}

extension TestTiledLog {
    /// A Rekor v2 hashedrekord 0.0.2 entry for a signature by the certificate `der`.
    public static func hashedRekordEntry(certificate der: [UInt8], digest: [UInt8], signature: [UInt8] = Array(repeating: 7, count: 70))
        -> [UInt8]
    {
        let body: JSONValue = [
            "apiVersion": "0.0.2", "kind": "hashedrekord",
            "spec": [
                "hashedRekordV002": [
                    "data": ["algorithm": "SHA2_256", "digest": .string(Data(digest).base64EncodedString())],
                    "signature": [
                        "content": .string(Data(signature).base64EncodedString()),
                        "verifier": [
                            "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                            "x509Certificate": ["rawBytes": .string(Data(der).base64EncodedString())],
                        ],
                    ],
                ]
            ],
        ]
        return CanonicalJSON.encode(body)
    }

    /// The trusted root's entry for this log, as a Rekor v2 log is listed: its Ed25519 key,
    /// and a log id that is the whole hash its checkpoint key hash starts.
    public func trustedRootEntry(baseURL: String) -> JSONValue {
        let raw = Array(key.publicKey.rawRepresentation)
        let spki: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00] + raw
        let logID = Array(SHA256.hash(data: Array(origin.utf8) + [10, 1] + raw))
        return [
            "baseUrl": .string(baseURL), "hashAlgorithm": "SHA2_256",
            "publicKey": [
                "rawBytes": .string(Data(spki).base64EncodedString()), "keyDetails": "PKIX_ED25519",
                "validFor": ["start": "2020-01-01T00:00:00Z"],
            ],
            "logId": ["keyId": .string(Data(logID).base64EncodedString())],
        ]
    }

    /// `trustedRoot` (JSON) with this log added to its transparency logs.
    public func adding(to trustedRoot: [UInt8], baseURL: String) throws -> [UInt8] {
        guard case .object(var root) = try JSONParser().parse(trustedRoot), case .array(var logs)? = root["tlogs"] else {
            throw TestTiledLogError.notATrustedRoot
        }
        logs.append(trustedRootEntry(baseURL: baseURL))
        root["tlogs"] = .array(logs)
        return JSONWriter.prettyPrinted(.object(root))
    }
}

/// A trusted root a test gave was not one.
public enum TestTiledLogError: Error {
    /// No `tlogs` list.
    case notATrustedRoot
}
