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
    /// Its position in the tree.
    public var index: Int64
    /// Its body: the bytes the tree's leaf hashes.
    public var body: [UInt8]
    /// When the log took it, for logs that record it (Rekor v1), in seconds since 1970.
    public var integratedTime: Int64?
    /// The index the log's lookup API names it by: its position in the tree, except on a
    /// sharded Rekor v1 log, where it counts the entries of the shards before this one too.
    public var logIndex: Int64

    /// What the log serves beside the entry that its tree does not cover: a CT log's
    /// `extra_data` (for a precertificate, the precertificate itself). Unauthenticated.
    public var extraData: [UInt8]?

    /// An entry at position `index` of its tree, named `logIndex` by its log (`index` when nil).
    public init(index: Int64, body: [UInt8], integratedTime: Int64? = nil, logIndex: Int64? = nil, extraData: [UInt8]? = nil) {
        self.index = index
        self.body = body
        self.integratedTime = integratedTime
        self.logIndex = logIndex ?? index
        self.extraData = extraData
    }
}
