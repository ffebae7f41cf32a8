import TransparencyLog

/// A bundle's log entry confirmed by the log itself, online: the log holds the same entry at
/// its index, proved against the log's current verified checkpoint, and that checkpoint
/// extends the tree the bundle's inclusion proof is for.
///
/// Offline verification shows the log once promised the entry; this shows the log still holds
/// it in the one append-only tree everyone else reads, so a log that showed a signer a private
/// fork is caught.
public struct LogEntryConfirmation: Sendable, Equatable {
    /// The entry's index, as the bundle names it.
    public var logIndex: Int64
    /// The log's checkpoint origin.
    public var origin: String
    /// The size of the tree the bundle's inclusion proof is for (nil for a bundle without one).
    public var bundleTreeSize: Int64?
    /// The size of the log's current checkpoint.
    public var currentTreeSize: Int64
    /// How many hashes the consistency proof between the two trees has.
    public var consistencyProofLength: Int

    /// Asks `source`, the log that holds `entry`, for the entry and for the proof that its
    /// current tree extends the bundle's; throws `LogError.Kind.inconsistent` when the log
    /// holds another entry there or its trees are not one log.
    public static func confirm(_ entry: TransparencyLogEntry, with source: some LogSource) async throws(LogError) -> LogEntryConfirmation {
        let current = try await source.latestCheckpoint()
        let view = try await source.view(at: current)
        let logged = try await fetch(entry, from: view)
        try checkSameEntry(entry, logged, origin: current.origin)
        var confirmation = LogEntryConfirmation(
            logIndex: entry.logIndex,
            origin: current.origin,
            bundleTreeSize: nil,
            currentTreeSize: current.treeSize,
            consistencyProofLength: 0
        )
        if let proof = entry.inclusionProof {
            confirmation.bundleTreeSize = proof.treeSize
            confirmation.consistencyProofLength = try await checkExtends(proof, view: view)
        }
        return confirmation
    }

    /// The log's entry at the bundle entry's index: by its log index on Rekor v1 (which counts
    /// earlier shards), by its position in the tree on a tiled log.
    static func fetch(_ entry: TransparencyLogEntry, from view: some LogView) async throws(LogError) -> LoggedEntry {
        if let rekor = view as? RekorV1View { return try await rekor.entry(logIndex: entry.logIndex).entry }
        return try await view.entry(at: entry.inclusionProof?.logIndex ?? entry.logIndex).entry
    }

    /// Checks that the log holds the bundle's entry: the same body, and the same integrated time
    /// where both record one.
    static func checkSameEntry(_ entry: TransparencyLogEntry, _ logged: LoggedEntry, origin: String) throws(LogError) {
        guard logged.body == entry.canonicalizedBody else {
            throw LogError(.inconsistent, "\(origin) holds another entry at index \(entry.logIndex) than the bundle's")
        }
        if let bundleTime = entry.integratedTime, let loggedTime = logged.integratedTime, bundleTime != loggedTime {
            throw LogError(
                .inconsistent,
                "\(origin) dates entry \(entry.logIndex) \(loggedTime), the bundle \(bundleTime)"
            )
        }
    }

    /// Proves that the view's tree extends the one the bundle's inclusion proof is for; returns
    /// the proof's length.
    static func checkExtends(_ proof: InclusionProof, view: some LogView) async throws(LogError) -> Int {
        let current = view.checkpoint
        if let envelope = proof.checkpoint, let bundled = try? Checkpoint(envelope), bundled.origin != current.origin {
            throw LogError(
                .notFound,
                "the bundle's entry is in \(bundled.origin), no longer the log's active tree (\(current.origin)): there is no proof between them"
            )
        }
        guard proof.treeSize <= current.treeSize else {
            throw LogError(
                .inconsistent,
                "the log's tree of size \(current.treeSize) is smaller than the bundle's of size \(proof.treeSize)"
            )
        }
        let hashes = try await view.consistencyProof(from: proof.treeSize)
        guard
            MerkleConsistency.verify(
                firstSize: proof.treeSize,
                firstRoot: proof.rootHash,
                secondSize: current.treeSize,
                secondRoot: current.rootHash,
                proof: hashes
            )
        else {
            throw LogError(
                .inconsistent,
                "the log's tree of size \(current.treeSize) does not extend the bundle's tree of size \(proof.treeSize)"
            )
        }
        return hashes.count
    }
}
