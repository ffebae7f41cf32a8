import Foundation
import Plumbing
import TUF

/// A Rekor v1 log, read through its REST API (`/api/v1/log`, `/api/v1/log/proof`,
/// `/api/v1/log/entries`, `/api/v1/log/entries/retrieve`, `/api/v1/index/retrieve`), every answer
/// bounded and checked: the checkpoint signed by one of `keys`, each entry's inclusion proof
/// recomputed to a signed checkpoint consistent with the one it is read under, its signed entry
/// timestamp verified.
///
/// A sharded log numbers its entries across shards; the view of its active shard maps tree
/// positions to those numbers with the sizes of the shards before it.
public struct RekorV1Log: LogSource {
    /// What `GET /api/v1/log` says, verified.
    public struct Info: Sendable {
        /// The active shard's signed checkpoint.
        public var checkpoint: Checkpoint
        /// How many entries the shards before the active one hold: the log index of its first.
        public var shardOffset: Int64
    }

    /// The server's base URL.
    public let baseURL: URL
    /// The keys the log signs checkpoints and entry timestamps with.
    public let keys: [any NoteVerifier]
    /// The largest answer accepted.
    public var maximumResponseBytes = 1 << 22
    let transport: any HTTPTransport

    /// The log at `baseURL`, trusted under `keys`.
    public init(baseURL: URL, keys: [any NoteVerifier], transport: any HTTPTransport) {
        self.baseURL = baseURL
        self.keys = keys
        self.transport = transport
    }

    /// The server's base URL.
    public var location: String { baseURL.absoluteString }

    /// The log's current checkpoint (its active shard's signed tree head), verified.
    public func latestCheckpoint() async throws(LogError) -> Checkpoint {
        try await info().checkpoint
    }

    /// The log's info: the active shard's checkpoint, verified, and where its entries start.
    public func info() async throws(LogError) -> Info {
        let (object, location) = try await getObject("api/v1/log")
        guard let head = object["signedTreeHead"]?.stringValue, let size = object["treeSize"]?.integerValue,
            let rootHex = object["rootHash"]?.stringValue, let root = Hex.decode(rootHex)
        else { throw LogError(.malformed, "the log info has no signedTreeHead, treeSize and rootHash", at: location) }
        let checkpoint = try verifiedCheckpoint(head, location: location)
        guard checkpoint.treeSize == size, checkpoint.rootHash == root else {
            throw LogError(.malformed, "the log info's size and root are not its signed tree head's", at: location)
        }
        var offset: Int64 = 0
        if case .array(let shards)? = object["inactiveShards"] {
            guard shards.count <= 1000 else { throw LogError(.malformed, "the log info lists too many inactive shards", at: location) }
            for shard in shards {
                guard let shardSize = shard.objectValue?["treeSize"]?.integerValue, shardSize >= 0 else {
                    throw LogError(.malformed, "an inactive shard of the log info has no tree size", at: location)
                }
                let (sum, overflow) = offset.addingReportingOverflow(shardSize)
                guard !overflow else { throw LogError(.malformed, "the inactive shards' sizes overflow", at: location) }
                offset = sum
            }
        }
        return Info(checkpoint: checkpoint, shardOffset: offset)
    }

    /// Reads and verifies a checkpoint the log serves.
    func verifiedCheckpoint(_ text: String, location: String) throws(LogError) -> Checkpoint {
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint(text)
        } catch {
            throw error.at(location)
        }
        try verify(checkpoint, location: location)
        return checkpoint
    }

    /// Checks that one of the log's keys signed `checkpoint`.
    public func verify(_ checkpoint: Checkpoint, location: String? = nil) throws(LogError) {
        try checkpoint.verify(byOneOf: keys, location: location)
    }

    /// The log at `checkpoint` (verified), which must be of the shard that is active now.
    public func view(at checkpoint: Checkpoint) async throws(LogError) -> RekorV1View {
        let info = try await info()
        guard info.checkpoint.origin == checkpoint.origin else {
            throw LogError(
                .inconsistent,
                "the log's active shard is now \(info.checkpoint.origin), not \(checkpoint.origin)",
                at: location
            )
        }
        return RekorV1View(log: self, checkpoint: checkpoint, shardOffset: info.shardOffset, checked: CheckedTrees())
    }

    /// The indexes of the entries whose artifact SHA-256, signer email or public key (PEM) is
    /// the one given, as the log's search index answers, each entry then read and checked
    /// under `checkpoint` (of the active shard); at most `limit` of them.
    public func search(
        sha256: [UInt8]? = nil,
        email: String? = nil,
        publicKeyPEM: String? = nil,
        under checkpoint: Checkpoint,
        limit: Int = 100
    )
        async throws(LogError) -> [LoggedEntry]
    {
        var query = JSONObject()
        if let sha256 {
            query["hash"] = .string("sha256:\(Hex.encode(sha256))")
        } else if let email {
            query["email"] = .string(email)
        } else if let publicKeyPEM {
            var key = JSONObject()
            key["format"] = .string("x509")
            key["content"] = .string(String(decoding: Base64.encode(Array(publicKeyPEM.utf8)), as: UTF8.self))
            query["publicKey"] = .object(key)
        }
        let url = baseURL.appendingPathComponent("api/v1/index/retrieve")
        let body = try await send(try RekorV1View.jsonRequest(url: url, .object(query)))
        guard case .array(let items)? = try? JSONParser().parse(body) else {
            throw LogError(.malformed, "the search answer is not a list of entry UUIDs", at: url.absoluteString)
        }
        let uuids = items.compactMap(\.stringValue).filter { $0.count <= 80 && $0.allSatisfy(\.isHexDigit) }
        let view = try await view(at: checkpoint)
        var entries: [LoggedEntry] = []
        for uuid in uuids.prefix(limit) {
            entries.append(try await view.entry(uuid: uuid).entry)
        }
        return entries.sorted { $0.logIndex < $1.logIndex }
    }

    func getObject(_ relative: String, query: String? = nil) async throws(LogError) -> (JSONObject, String) {
        var components = URLComponents(url: baseURL.appendingPathComponent(relative), resolvingAgainstBaseURL: false)
        components?.percentEncodedQuery = query
        guard let url = components?.url else { throw LogError(.malformed, "cannot build a URL for \(relative)") }
        let body = try await send(HTTPRequest(url: url))
        guard case .object(let object)? = try? JSONParser().parse(body) else {
            throw LogError(.malformed, "the answer is not a JSON object", at: url.absoluteString)
        }
        return (object, url.absoluteString)
    }

    func send(_ request: HTTPRequest) async throws(LogError) -> [UInt8] {
        let response: HTTPResponse
        do {
            response = try await transport.send(request, maximumBytes: maximumResponseBytes)
        } catch {
            throw LogError(fetchFailure: error, at: request.url.absoluteString)
        }
        guard response.isSuccess else {
            if response.status == 404 { throw LogError(.notFound, "the log has no such entry (HTTP 404)", at: request.url.absoluteString) }
            throw LogError(.unreachable, "the log answered HTTP \(response.status)", at: request.url.absoluteString)
        }
        return response.body
    }
}

/// What a view of a Rekor v1 log has already checked, so that entries whose proofs name the
/// same tree cost one signature check and one consistency proof between them.
actor CheckedTrees {
    var consistent: [Int64: [UInt8]] = [:]
    var signed: Set<String> = []

    func isConsistent(_ size: Int64, _ root: [UInt8]) -> Bool { consistent[size] == root }

    func markConsistent(_ size: Int64, _ root: [UInt8]) {
        if consistent.count > 64 { consistent.removeAll() }
        consistent[size] = root
    }

    func isSigned(_ text: String) -> Bool { signed.contains(text) }

    func markSigned(_ text: String) {
        if signed.count > 64 { signed.removeAll() }
        signed.insert(text)
    }
}

/// A Rekor v1 log at one verified checkpoint of its active shard.
public struct RekorV1View: LogView {
    let log: RekorV1Log
    /// The checkpoint.
    public let checkpoint: Checkpoint
    /// The log index of the shard's first entry.
    public let shardOffset: Int64
    let checked: CheckedTrees

    /// The largest batch the log's retrieve API answers.
    static let batchSize: Int64 = 10

    /// The proof that this tree extends the tree of `size` leaves, from the log's proof API.
    public func consistencyProof(from size: Int64) async throws(LogError) -> [[UInt8]] {
        try await consistencyProof(from: size, to: checkpoint.treeSize, root: checkpoint.rootHash)
    }

    func consistencyProof(from size: Int64, to last: Int64, root: [UInt8]) async throws(LogError) -> [[UInt8]] {
        guard size >= 0, size <= last else {
            throw LogError(.inconsistent, "the log's size \(last) is smaller than the \(size) seen before")
        }
        guard size > 0, size < last else { return [] }
        let (object, location) = try await log.getObject("api/v1/log/proof", query: "firstSize=\(size)&lastSize=\(last)")
        guard object["rootHash"]?.stringValue.flatMap(Hex.decode) == root, case .array(let items)? = object["hashes"], items.count <= 128
        else { throw LogError(.malformed, "the consistency proof is not for the tree asked for", at: location) }
        var hashes: [[UInt8]] = []
        for item in items {
            guard let hash = item.stringValue.flatMap(Hex.decode), hash.count == 32 else {
                throw LogError(.malformed, "a consistency proof hash is not 32 bytes of hex", at: location)
            }
            hashes.append(hash)
        }
        return hashes
    }

    /// The entries from tree position `start`, as many as one retrieve request answers, each
    /// checked.
    public func batch(from start: Int64) async throws(LogError) -> [LoggedEntry] {
        guard start >= 0, start < checkpoint.treeSize else { return [] }
        let end = start + min(Self.batchSize, checkpoint.treeSize - start)
        let (first, overflow) = start.addingReportingOverflow(shardOffset)
        guard !overflow, first <= Int64.max - Self.batchSize else { throw LogError(.malformed, "the log's indexes overflow") }
        let wanted = (first..<(first + end - start)).map { JSONValue.integer($0) }
        let url = log.baseURL.appendingPathComponent("api/v1/log/entries/retrieve")
        let request = try Self.jsonRequest(url: url, ["logIndexes": .array(wanted)])
        let answer = try await log.send(request)
        guard case .array(let items)? = try? JSONParser().parse(answer), items.count == wanted.count else {
            throw LogError(.malformed, "the log did not answer with the \(wanted.count) entries asked for", at: url.absoluteString)
        }
        var entries: [LoggedEntry] = []
        for item in items {
            guard case .object(let object) = item else {
                throw LogError(.malformed, "an answer of the retrieve API is not an entry", at: url.absoluteString)
            }
            entries.append(try await check(object, location: url.absoluteString).entry)
        }
        entries.sort { $0.index < $1.index }
        guard entries.map(\.index) == Array(start..<end) else {
            throw LogError(
                .malformed,
                "the log answered with other entries than \(first) to \(first + end - start - 1)",
                at: url.absoluteString
            )
        }
        return entries
    }

    /// The entry at tree position `index`, checked; its proof is the one the log gave, in the
    /// tree it names.
    public func entry(at index: Int64) async throws(LogError) -> (entry: LoggedEntry, proof: [[UInt8]]) {
        guard index >= 0, index < checkpoint.treeSize else {
            throw LogError(.notFound, "the log has no entry \(index): its size is \(checkpoint.treeSize)")
        }
        let (logIndex, overflow) = index.addingReportingOverflow(shardOffset)
        guard !overflow else { throw LogError(.malformed, "the log's indexes overflow") }
        let found = try await entry(logIndex: logIndex)
        guard found.entry.index == index else {
            throw LogError(.malformed, "the log answered with the entry at \(found.entry.index), not \(index)")
        }
        return found
    }

    /// The entry the log numbers `logIndex` (counting earlier shards), checked.
    public func entry(logIndex: Int64) async throws(LogError) -> (entry: LoggedEntry, proof: [[UInt8]]) {
        guard logIndex >= 0 else { throw LogError(.notFound, "the log has no entry \(logIndex)") }
        let (object, location) = try await log.getObject("api/v1/log/entries", query: "logIndex=\(logIndex)")
        let found = try await check(object, location: location)
        guard found.entry.logIndex == logIndex else {
            throw LogError(.malformed, "the log answered with entry \(found.entry.logIndex), not \(logIndex)", at: location)
        }
        return found
    }

    /// The entry with `uuid` (its leaf hash, after the tree id on a sharded log), checked, with
    /// the proof the log gave.
    public func entry(uuid: String) async throws(LogError) -> (entry: LoggedEntry, proof: [[UInt8]]) {
        guard !uuid.isEmpty, uuid.count <= 80, uuid.allSatisfy(\.isHexDigit) else {
            throw LogError(.malformed, "\(uuid) is not an entry UUID")
        }
        let (object, location) = try await log.getObject("api/v1/log/entries/\(uuid)")
        return try await check(object, location: location, uuid: uuid)
    }

    static func jsonRequest(url: URL, _ value: JSONValue) throws(LogError) -> HTTPRequest {
        guard let body = try? RFC8785.encode(value) else { throw LogError(.malformed, "cannot encode a request") }
        return HTTPRequest(url: url, method: "POST", headers: ["Content-Type": "application/json"], body: body)
    }

    /// Checks one answer of the entries API: one entry whose UUID ends with its leaf hash, whose
    /// inclusion proof leads to a signed checkpoint consistent with this view's (or, for an
    /// entry of an earlier shard, signed by the log), and whose signed entry timestamp the
    /// log's key made.
    func check(_ object: JSONObject, location: String, uuid expected: String? = nil) async throws(LogError) -> (
        entry: LoggedEntry, proof: [[UInt8]]
    ) {
        guard object.count == 1, let (uuid, value) = object.membersSortedByUTF8.first, case .object(let entry) = value,
            let bodyText = entry["body"]?.stringValue, let body = Base64.decode(bodyText),
            let integratedTime = entry["integratedTime"]?.integerValue, let logIndex = entry["logIndex"]?.integerValue,
            let logID = entry["logID"]?.stringValue,
            case .object(let verification)? = entry["verification"], case .object(let inclusion)? = verification["inclusionProof"],
            let checkpointText = inclusion["checkpoint"]?.stringValue, let treeSize = inclusion["treeSize"]?.integerValue,
            let position = inclusion["logIndex"]?.integerValue, let root = inclusion["rootHash"]?.stringValue.flatMap(Hex.decode),
            case .array(let hashItems)? = inclusion["hashes"], hashItems.count <= 64,
            let setText = verification["signedEntryTimestamp"]?.stringValue, let set = Base64.decode(setText)
        else {
            throw LogError(
                .malformed,
                "the answer is not one entry with its body, inclusion proof and signed entry timestamp",
                at: location
            )
        }
        let leaf = MerkleInclusion.leafHash(body)
        guard uuid.lowercased().hasSuffix(Hex.encode(leaf)), expected.map({ uuid.lowercased().hasSuffix($0.lowercased()) }) ?? true else {
            throw LogError(.malformed, "the entry's UUID is not its leaf hash", at: location)
        }
        let proof = hashItems.compactMap { $0.stringValue.flatMap(Hex.decode) }
        guard proof.count == hashItems.count,
            MerkleInclusion.rootHash(leafHash: leaf, index: position, treeSize: treeSize, proof: proof) == root
        else { throw LogError(.malformed, "the entry's inclusion proof does not lead to its root hash", at: location) }
        let signed = try await signedCheckpoint(checkpointText, location: location)
        guard signed.treeSize == treeSize, signed.rootHash == root else {
            throw LogError(.malformed, "the entry's checkpoint is not the tree its proof is for", at: location)
        }
        if signed.origin == checkpoint.origin {
            guard logIndex.subtractingReportingOverflow(position) == (shardOffset, false) else {
                throw LogError(
                    .malformed,
                    "the entry's log index \(logIndex) is not its position \(position) in the active shard",
                    at: location
                )
            }
            try await checkConsistent(signed, location: location)
        } else {
            // An entry of an earlier shard: its tree is signed by the log, but there is no proof
            // between shards.
            guard logIndex >= 0, logIndex < shardOffset, position <= logIndex else {
                throw LogError(.malformed, "the entry's checkpoint is of another log than \(checkpoint.origin)", at: location)
            }
        }
        try checkTimestamp(set, body: bodyText, integratedTime: integratedTime, logID: logID, logIndex: logIndex, location: location)
        return (LoggedEntry(index: position, body: body, integratedTime: integratedTime, logIndex: logIndex), proof)
    }

    /// Verifies a checkpoint an entry names, once per view.
    func signedCheckpoint(_ text: String, location: String) async throws(LogError) -> Checkpoint {
        if await checked.isSigned(text) {
            do {
                return try Checkpoint(text)
            } catch {
                throw error.at(location)
            }
        }
        let checkpoint = try log.verifiedCheckpoint(text, location: location)
        await checked.markSigned(text)
        return checkpoint
    }

    /// Checks the signed entry timestamp: the log's signature over the canonical JSON of the
    /// entry's body, integrated time, log ID and log index.
    func checkTimestamp(_ set: [UInt8], body: String, integratedTime: Int64, logID: String, logIndex: Int64, location: String)
        throws(LogError)
    {
        var timestamp = JSONObject()
        timestamp["body"] = .string(body)
        timestamp["integratedTime"] = .integer(integratedTime)
        timestamp["logID"] = .string(logID)
        timestamp["logIndex"] = .integer(logIndex)
        guard let message = try? RFC8785.encode(.object(timestamp)), log.keys.contains(where: { $0.isValidSignature(set, for: message) })
        else {
            throw LogError(.unverified, "the entry's signed entry timestamp does not verify with the log's key", at: location)
        }
    }

    /// Checks that the tree an entry's proof names and this view's are one log's: equal, or
    /// one extending the other by the log's consistency proof.
    func checkConsistent(_ other: Checkpoint, location: String) async throws(LogError) {
        if other.treeSize == checkpoint.treeSize {
            guard other.rootHash == checkpoint.rootHash else {
                throw LogError(.inconsistent, "the log signed two trees of size \(other.treeSize) with different roots", at: location)
            }
            return
        }
        if await checked.isConsistent(other.treeSize, other.rootHash) { return }
        let (small, large) = other.treeSize < checkpoint.treeSize ? (other, checkpoint) : (checkpoint, other)
        let proof = try await consistencyProof(from: small.treeSize, to: large.treeSize, root: large.rootHash)
        guard
            MerkleConsistency.verify(
                firstSize: small.treeSize,
                firstRoot: small.rootHash,
                secondSize: large.treeSize,
                secondRoot: large.rootHash,
                proof: proof
            )
        else {
            throw LogError(.inconsistent, "the log's trees of sizes \(small.treeSize) and \(large.treeSize) are not one log", at: location)
        }
        await checked.markConsistent(other.treeSize, other.rootHash)
    }
}
