import Foundation
import Plumbing
import TUF

/// An RFC 6962 Certificate Transparency log (Fulcio's CT log among them), read through
/// `get-sth`, `get-sth-consistency`, `get-entries` and `get-proof-by-hash`, every answer
/// bounded and checked: the tree head signed by the log's key, each batch of entries proved to
/// be the log's by the root it gives with the tree before it, and that root's consistency with
/// the verified tree head.
///
/// A tree head is kept as a checkpoint with a static-ct-api `RFC6962NoteSignature`, so a CT log's
/// state is kept and compared like any other log's.
public struct CTLog: LogSource {
    /// The log's base URL (its `ct/v1/` endpoints are under it).
    public let baseURL: URL
    /// The log's key, under the origin its checkpoints carry.
    public let key: CTTreeHeadVerifier
    /// The most entries asked for in one `get-entries` request.
    public var batchSize: Int64 = 256
    /// The largest answer accepted.
    public var maximumResponseBytes = 1 << 24
    let transport: any HTTPTransport

    /// The log at `baseURL`, whose tree heads `key` verifies.
    public init(baseURL: URL, key: CTTreeHeadVerifier, transport: any HTTPTransport) {
        self.baseURL = baseURL
        self.key = key
        self.transport = transport
    }

    /// The origin static-ct-api gives a log: its URL without the scheme or a trailing slash.
    public static func origin(of url: URL) -> String {
        var text = url.absoluteString
        if let range = text.range(of: "://") { text = String(text[range.upperBound...]) }
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// The log's base URL.
    public var location: String { baseURL.absoluteString }

    /// The log's current signed tree head, verified, as a checkpoint.
    public func latestCheckpoint() async throws(LogError) -> Checkpoint {
        let (object, location) = try await get("ct/v1/get-sth")
        guard let size = object["tree_size"]?.integerValue, size >= 0, let timestamp = object["timestamp"]?.integerValue,
            timestamp >= 0, let root = object["sha256_root_hash"]?.stringValue.flatMap(Base64.decode), root.count == 32,
            let signature = object["tree_head_signature"]?.stringValue.flatMap(Base64.decode), signature.count <= 1024
        else { throw LogError(.malformed, "the signed tree head lacks a size, timestamp, root hash or signature", at: location) }
        let text = "\(key.name ?? "")\n\(size)\n\(String(decoding: Base64.encode(root), as: UTF8.self))\n"
        var timestampBytes: [UInt8] = []
        for shift in stride(from: 56, through: 0, by: -8) {
            timestampBytes.append(UInt8(truncatingIfNeeded: UInt64(timestamp) >> UInt64(shift)))
        }
        let line =
            "\u{2014} \(key.name ?? "") \(String(decoding: Base64.encode(key.keyHash + timestampBytes + signature), as: UTF8.self))\n"
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint(Array((text + "\n" + line).utf8))
        } catch {
            throw error.at(location)
        }
        try verify(checkpoint, location: location)
        return checkpoint
    }

    /// Checks that the log's key signed `checkpoint`.
    public func verify(_ checkpoint: Checkpoint, location: String? = nil) throws(LogError) {
        guard !checkpoint.note.verifiedSignatures(by: key).isEmpty else {
            throw LogError(.unverified, "the tree head of \(checkpoint.origin) is not signed by the CT log's key", at: location)
        }
    }

    /// The log at `checkpoint`.
    public func view(at checkpoint: Checkpoint) async throws(LogError) -> CTLogView {
        CTLogView(log: self, checkpoint: checkpoint)
    }

    /// GETs `relative` under the base URL with `query`, expecting a JSON object.
    func get(_ relative: String, query: String? = nil) async throws(LogError) -> (JSONObject, String) {
        var components = URLComponents(url: baseURL.appendingPathComponent(relative), resolvingAgainstBaseURL: false)
        components?.percentEncodedQuery = query
        guard let url = components?.url else { throw LogError(.malformed, "cannot build a URL for \(relative)") }
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(url: url), maximumBytes: maximumResponseBytes)
        } catch {
            throw LogError(fetchFailure: error, at: url.absoluteString)
        }
        guard response.isSuccess else {
            if response.status == 404 { throw LogError(.notFound, "the log has no such resource (HTTP 404)", at: url.absoluteString) }
            throw LogError(.unreachable, "the log answered HTTP \(response.status)", at: url.absoluteString)
        }
        guard case .object(let object)? = try? JSONParser().parse(response.body) else {
            throw LogError(.malformed, "the answer is not a JSON object", at: url.absoluteString)
        }
        return (object, url.absoluteString)
    }

    /// Decodes a list of base64 hashes of 32 bytes.
    static func hashes(_ value: JSONValue?, location: String) throws(LogError) -> [[UInt8]] {
        guard case .array(let items)? = value, items.count <= 128 else {
            throw LogError(.malformed, "the proof is not a list of hashes", at: location)
        }
        var hashes: [[UInt8]] = []
        for item in items {
            guard let hash = item.stringValue.flatMap(Base64.decode), hash.count == 32 else {
                throw LogError(.malformed, "a proof hash is not 32 bytes of base64", at: location)
            }
            hashes.append(hash)
        }
        return hashes
    }
}

/// An RFC 6962 CT log at one verified tree head.
public struct CTLogView: LogView {
    let log: CTLog
    /// The tree head, as a checkpoint.
    public let checkpoint: Checkpoint

    /// The log's proof that this tree extends the tree of `size` leaves.
    public func consistencyProof(from size: Int64) async throws(LogError) -> [[UInt8]] {
        try await consistencyProof(from: size, to: checkpoint.treeSize)
    }

    func consistencyProof(from first: Int64, to second: Int64) async throws(LogError) -> [[UInt8]] {
        guard first >= 0, first <= second else {
            throw LogError(.inconsistent, "the log's size \(second) is smaller than the \(first) seen before")
        }
        guard first > 0, first < second else { return [] }
        let (object, location) = try await log.get("ct/v1/get-sth-consistency", query: "first=\(first)&second=\(second)")
        return try CTLog.hashes(object["consistency"], location: location)
    }

    /// The entries from `start`, as many as the log gives in one request (at most the log's
    /// batch size), proved to be the log's: from the inclusion proof of the entry before them
    /// the tree up to them is rebuilt, the entries appended, and the resulting root shown
    /// consistent with the checkpoint's.
    public func batch(from start: Int64) async throws(LogError) -> [LoggedEntry] {
        let size = checkpoint.treeSize
        guard start >= 0, start < size else { return [] }
        let first = max(start - 1, 0)
        let wanted = min(log.batchSize, size - start) + (start - first)
        let (leaves, location) = try await entries(from: first, to: first + wanted - 1)
        var range = CompactRange()
        var body = leaves[...]
        if start > 0 {
            guard let before = body.popFirst() else { throw LogError(.malformed, "the log gave no entry \(first)", at: location) }
            range = try await rangeBefore(start, lastLeaf: MerkleInclusion.leafHash(before.leaf))
        }
        guard !body.isEmpty else { throw LogError(.malformed, "the log gave no entries from \(start)", at: location) }
        var entries: [LoggedEntry] = []
        for (offset, leaf) in body.enumerated() {
            let parsed = try CTLeaf(leaf.leaf)
            range.append(leafHash: MerkleInclusion.leafHash(leaf.leaf))
            entries.append(
                LoggedEntry(
                    index: start + Int64(offset),
                    body: leaf.leaf,
                    integratedTime: Int64(parsed.timestamp / 1000),
                    extraData: leaf.extra
                )
            )
        }
        try await checkPrefix(range, location: location)
        return entries
    }

    /// The tree of the first `size` entries as a compact range, from the log's inclusion proof
    /// of its last leaf; wrong hashes make a root that the consistency check then refuses.
    func rangeBefore(_ size: Int64, lastLeaf: [UInt8]) async throws(LogError) -> CompactRange {
        let (index, path, location) = try await proof(byHash: lastLeaf, treeSize: size)
        guard index == size - 1 else { throw LogError(.malformed, "the log proved another leaf than \(size - 1)", at: location) }
        do {
            return try CompactRange(size: size, lastLeaf: lastLeaf, proof: path)
        } catch {
            throw error.at(location)
        }
    }

    /// The entries `get-entries` gives from `first` to `last` (inclusive): at least one, no more
    /// than asked for, each a base64 leaf input and extra data.
    func entries(from first: Int64, to last: Int64) async throws(LogError) -> (entries: [(leaf: [UInt8], extra: [UInt8])], location: String)
    {
        let (object, location) = try await log.get("ct/v1/get-entries", query: "start=\(first)&end=\(last)")
        guard case .array(let items)? = object["entries"], !items.isEmpty, items.count <= last - first + 1 else {
            throw LogError(.malformed, "the log gave no entries, or more than asked, from \(first)", at: location)
        }
        var entries: [(leaf: [UInt8], extra: [UInt8])] = []
        for item in items {
            guard let leaf = item.objectValue?["leaf_input"]?.stringValue.flatMap(Base64.decode),
                let extra = item.objectValue?["extra_data"]?.stringValue.flatMap(Base64.decode)
            else { throw LogError(.malformed, "an entry has no base64 leaf_input and extra_data", at: location) }
            entries.append((leaf, extra))
        }
        return (entries, location)
    }

    /// What `get-proof-by-hash` says of the leaf hashed `leafHash` in the tree of `treeSize`
    /// leaves: its index and audit path (both to be checked by the caller).
    func proof(byHash leafHash: [UInt8], treeSize: Int64) async throws(LogError) -> (index: Int64?, path: [[UInt8]], location: String) {
        let hash = String(decoding: Base64.encode(leafHash), as: UTF8.self)
        let query = "hash=\(hash.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? hash)&tree_size=\(treeSize)"
        let (object, location) = try await log.get("ct/v1/get-proof-by-hash", query: query)
        return (object["leaf_index"]?.integerValue, try CTLog.hashes(object["audit_path"], location: location), location)
    }

    /// Checks that the tree `range` covers is a prefix of the checkpoint's.
    func checkPrefix(_ range: CompactRange, location: String) async throws(LogError) {
        let proof = try await consistencyProof(from: range.size, to: checkpoint.treeSize)
        guard
            MerkleConsistency.verify(
                firstSize: range.size,
                firstRoot: range.rootHash,
                secondSize: checkpoint.treeSize,
                secondRoot: checkpoint.rootHash,
                proof: proof
            )
        else {
            throw LogError(
                .inconsistent,
                "the entries the log gave up to \(range.size) do not make a tree its tree of size \(checkpoint.treeSize) extends",
                at: location
            )
        }
    }

    /// The entry at `index`, with its inclusion proof in the checkpoint's tree.
    public func entry(at index: Int64) async throws(LogError) -> (entry: LoggedEntry, proof: [[UInt8]]) {
        guard index >= 0, index < checkpoint.treeSize else {
            throw LogError(.notFound, "the log has no entry \(index): its size is \(checkpoint.treeSize)")
        }
        let (given, location) = try await entries(from: index, to: index)
        guard given.count == 1, let (leaf, extra) = given.first else {
            throw LogError(.malformed, "the log did not give entry \(index)", at: location)
        }
        let parsed = try CTLeaf(leaf)
        let leafHash = MerkleInclusion.leafHash(leaf)
        let (provedIndex, proof, proofLocation) = try await self.proof(byHash: leafHash, treeSize: checkpoint.treeSize)
        guard provedIndex == index,
            MerkleInclusion.rootHash(leafHash: leafHash, index: index, treeSize: checkpoint.treeSize, proof: proof) == checkpoint.rootHash
        else {
            throw LogError(.malformed, "the inclusion proof of entry \(index) does not lead to the tree head's root", at: proofLocation)
        }
        return (LoggedEntry(index: index, body: leaf, integratedTime: Int64(parsed.timestamp / 1000), extraData: extra), proof)
    }
}
