/// A log at one verified checkpoint, as a monitor or a client reads it: proofs against that
/// checkpoint and its entries in batches, each entry already checked to be in its tree.
public protocol LogView: Sendable {
    /// The checkpoint everything is checked against.
    var checkpoint: Checkpoint { get }
    /// The proof that this tree extends the tree of `size` leaves (at most this one's size).
    func consistencyProof(from size: Int64) async throws(LogError) -> [[UInt8]]
    /// The entries from `start` to the end of the log's batch holding it (or of the tree),
    /// each checked against the checkpoint.
    func batch(from start: Int64) async throws(LogError) -> [LoggedEntry]
    /// The entry at `index` with its inclusion proof in the checkpoint's tree.
    func entry(at index: Int64) async throws(LogError) -> (entry: LoggedEntry, proof: [[UInt8]])
}

/// An entry a log proved it holds.
public struct LoggedEntry: Sendable, Equatable {
    /// Its index.
    public var index: Int64
    /// Its body: the bytes the tree's leaf hashes.
    public var body: [UInt8]
    /// When the log took it, for logs that record it (Rekor v1), in seconds since 1970.
    public var integratedTime: Int64?

    /// An entry.
    public init(index: Int64, body: [UInt8], integratedTime: Int64? = nil) {
        self.index = index
        self.body = body
        self.integratedTime = integratedTime
    }
}
