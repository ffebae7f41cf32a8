import Foundation

/// A C2SP tiled log (Rekor v2, and any tlog-tiles log) under its URL prefix, whose checkpoints
/// are trusted when one of `keys` signed them and, with a witness policy, a quorum of witnesses
/// cosigned them.
public struct TiledLog: LogSource {
    /// The client reading the log.
    public let client: TiledLogClient
    /// The keys the log may sign its checkpoints with.
    public let keys: [any NoteVerifier]
    /// The witnesses that must cosign, if any.
    public let witnesses: WitnessPolicy?

    /// The log `client` reads, trusted under `keys` and `witnesses`.
    public init(client: TiledLogClient, keys: [any NoteVerifier], witnesses: WitnessPolicy? = nil) {
        self.client = client
        self.keys = keys
        self.witnesses = witnesses
    }

    /// The log's URL prefix.
    public var location: String { client.url("").absoluteString }

    /// The log's current checkpoint, verified.
    public func latestCheckpoint() async throws(LogError) -> Checkpoint {
        let location = client.url("checkpoint").absoluteString
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint(try await client.checkpoint())
        } catch {
            throw error.at(location)
        }
        try verify(checkpoint, location: location)
        return checkpoint
    }

    /// Checks a checkpoint from this log: signed by one of its keys, and cosigned by its
    /// witnesses' quorum.
    public func verify(_ checkpoint: Checkpoint, location: String? = nil) throws(LogError) {
        try checkpoint.verify(byOneOf: keys, location: location)
        if let witnesses {
            do {
                try witnesses.check(checkpoint.note)
            } catch {
                throw location.map { error.at($0) } ?? error
            }
        }
    }

    /// The log at `checkpoint` (verified), its right edge checked.
    public func view(at checkpoint: Checkpoint) async throws(LogError) -> TiledLogView {
        TiledLogView(tree: try await TileTree(client: client, checkpoint: checkpoint))
    }
}

/// A tiled log at one checkpoint.
public struct TiledLogView: LogView {
    /// The checked tree.
    public let tree: TileTree

    /// The checkpoint.
    public var checkpoint: Checkpoint { tree.checkpoint }

    /// The proof from the tree of `size` leaves, built from checked tiles.
    public func consistencyProof(from size: Int64) async throws(LogError) -> [[UInt8]] {
        try await tree.consistencyProof(from: size)
    }

    /// The rest of the entry bundle holding `start`.
    public func batch(from start: Int64) async throws(LogError) -> [LoggedEntry] {
        guard start >= 0, start < tree.size else { return [] }
        let bundle = start >> 8
        let entries = try await tree.entriesWithExtraData(bundle: bundle)
        return entries.enumerated().compactMap { position, entry in
            let index = bundle << 8 + Int64(position)
            guard index >= start else { return nil }
            return LoggedEntry(index: index, body: Array(entry.leaf), integratedTime: Self.timestamp(entry.leaf), extraData: entry.extra)
        }
    }

    /// The entry at `index`, with its inclusion proof.
    public func entry(at index: Int64) async throws(LogError) -> (entry: LoggedEntry, proof: [[UInt8]]) {
        let (body, extra, proof) = try await tree.entryWithExtraData(at: index)
        return (LoggedEntry(index: index, body: body, integratedTime: Self.timestamp(body), extraData: extra), proof)
    }

    /// A static CT entry's timestamp, in seconds; nil for other logs' entries, which record none.
    static func timestamp(_ leaf: some Collection<UInt8>) -> Int64? {
        guard leaf.first == 0, let parsed = try? CTLeaf(leaf) else { return nil }
        return Int64(parsed.timestamp / 1000)
    }
}
