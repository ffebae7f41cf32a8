import Crypto
import Foundation
import TUF
import TransparencyLog

/// An RFC 6962 CT log on loopback (`get-sth`, `get-sth-consistency`, `get-entries`,
/// `get-proof-by-hash`) over certificates and precertificates the test adds, signing tree
/// heads with a P-256 key; it answers at most `pageSize` entries per request, as real logs cap
/// them, and can be told to lie in one way at a time.
public final class TestCTLog: @unchecked Sendable {
    /// One way to lie.
    public enum Fault: Sendable {
        /// Serve a tree whose first entry was rewritten.
        case rewritten
        /// Sign tree heads with another key.
        case untrustedHead
        /// Give another leaf than the tree holds at one index in `get-entries`.
        case substitutedEntry(Int)
        /// Break the inclusion proofs.
        case badProof
    }

    /// The tree head key.
    public let key: P256.Signing.PrivateKey
    /// The entries: leaf input and extra data.
    public private(set) var entries: [(leaf: [UInt8], extra: [UInt8])] = []
    /// The most entries one `get-entries` answers.
    public var pageSize = 100
    /// The fault, if any.
    public var fault: Fault? {
        get { lock.withLock { currentFault } }
        set { lock.withLock { currentFault = newValue } }
    }
    private var currentFault: Fault?
    private let lock = NSLock()
    private var server: LoopbackHTTPServer!

    /// A log signing with `key`, started on a free loopback port.
    public init(key: P256.Signing.PrivateKey = P256.Signing.PrivateKey()) throws {
        self.key = key
        server = try LoopbackHTTPServer { [weak self] request in
            guard let self else { return .error(503, "the log has stopped") }
            return self.lock.withLock { self.handle(request) }
        }
    }

    deinit { server.stop() }

    /// The log's base URL.
    public var baseURL: URL { server.baseURL }
    /// The log's id: SHA-256 of its key's DER SubjectPublicKeyInfo.
    public var logID: [UInt8] { Array(SHA256.hash(data: key.publicKey.derRepresentation)) }

    /// Adds a certificate entry logged at `time`.
    public func addCertificate(_ der: [UInt8], at time: Date) {
        let leaf = Self.leafHeader(time) + [0, 0] + Self.vector3(der) + [0, 0]
        lock.withLock { entries.append((leaf, Self.vector3([]))) }
    }

    /// Adds a precertificate entry logged at `time`: `tbs` is what the tree covers, `precertificate`
    /// the certificate kept beside it.
    public func addPrecertificate(tbs: [UInt8], issuerKeyHash: [UInt8], precertificate: [UInt8], at time: Date) {
        let leaf = Self.leafHeader(time) + [0, 1] + issuerKeyHash + Self.vector3(tbs) + [0, 0]
        lock.withLock { entries.append((leaf, Self.vector3(precertificate) + Self.vector3([]))) }
    }

    static func leafHeader(_ time: Date) -> [UInt8] {
        let milliseconds = UInt64(time.timeIntervalSince1970 * 1000)
        return [0, 0] + (0..<8).map { UInt8(truncatingIfNeeded: milliseconds >> (56 - 8 * UInt64($0))) }
    }

    static func vector3(_ bytes: [UInt8]) -> [UInt8] {
        [UInt8(bytes.count >> 16 & 0xFF), UInt8(bytes.count >> 8 & 0xFF), UInt8(bytes.count & 0xFF)] + bytes
    }

    private var leaves: [[UInt8]] {
        var leaves = entries.map(\.leaf)
        if case .rewritten? = currentFault, !leaves.isEmpty {
            leaves[0] = Self.leafHeader(Date(timeIntervalSince1970: 0)) + [0, 0, 0, 0, 1, 0x30, 0, 0]
        }
        return leaves
    }

    private func json(_ value: JSONValue) -> LoopbackHTTPServer.Response { .init(status: 200, body: JSONWriter.prettyPrinted(value)) }

    private func handle(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        let query = request.queryFields
        let leaves = leaves
        switch request.path {
        case "/ct/v1/get-sth":
            guard !leaves.isEmpty else { return .error(500, "the test log is empty") }
            let tree = TestMerkleTree(leaves)
            let timestamp = UInt64(Date().timeIntervalSince1970 * 1000)
            let signed = CTTreeHeadVerifier.signedData(timestamp: timestamp, treeSize: UInt64(tree.size), rootHash: tree.rootHash)
            let signer: P256.Signing.PrivateKey
            if case .untrustedHead? = currentFault { signer = P256.Signing.PrivateKey() } else { signer = key }
            guard let signature = try? signer.signature(for: signed).derRepresentation else { return .error(500, "cannot sign") }
            let digitallySigned = [4, 3, UInt8(signature.count >> 8), UInt8(signature.count & 0xFF)] + Array(signature)
            return json([
                "tree_size": .integer(Int64(tree.size)), "timestamp": .integer(Int64(timestamp)),
                "sha256_root_hash": .string(Data(tree.rootHash).base64EncodedString()),
                "tree_head_signature": .string(Data(digitallySigned).base64EncodedString()),
            ])
        case "/ct/v1/get-sth-consistency":
            guard let first = query["first"].flatMap(Int.init), let second = query["second"].flatMap(Int.init), first >= 1, first <= second,
                second <= leaves.count
            else { return .error(400, "first and second must be sizes of the tree") }
            let proof = TestMerkleTree(Array(leaves.prefix(second))).consistencyProof(from: first)
            return json(["consistency": .array(proof.map { .string(Data($0).base64EncodedString()) })])
        case "/ct/v1/get-entries":
            guard let start = query["start"].flatMap(Int.init), let end = query["end"].flatMap(Int.init), start >= 0, start <= end,
                start < leaves.count
            else { return .error(400, "start and end must be indexes of the tree") }
            let last = min(end, leaves.count - 1, start + pageSize - 1)
            let items: [JSONValue] = (start...last).map { index in
                var leaf = leaves[index]
                if case .substitutedEntry(let substituted)? = currentFault, substituted == index { leaf[leaf.count - 3] ^= 1 }
                return [
                    "leaf_input": .string(Data(leaf).base64EncodedString()),
                    "extra_data": .string(Data(entries[index].extra).base64EncodedString()),
                ]
            }
            return json(["entries": .array(items)])
        case "/ct/v1/get-proof-by-hash":
            guard let hash = query["hash"].flatMap({ Data(base64Encoded: $0) }).map(Array.init),
                let size = query["tree_size"].flatMap(Int.init), size >= 1, size <= leaves.count
            else { return .error(400, "hash and tree_size are required") }
            let prefix = Array(leaves.prefix(size))
            guard let index = prefix.firstIndex(where: { MerkleInclusion.leafHash($0) == hash }) else { return .error(404, "no such leaf") }
            var path = TestMerkleTree(prefix).auditPath(index)
            if case .badProof? = currentFault, !path.isEmpty { path[0][0] ^= 1 }
            return json(["leaf_index": .integer(Int64(index)), "audit_path": .array(path.map { .string(Data($0).base64EncodedString()) })])
        default:
            return .error(404, "no such path")
        }
    }
}
