/// A log a reader can follow: its current checkpoint, verified, and a view of the log at a
/// checkpoint. Tiled logs (``TiledLog``) and Rekor v1 (``RekorV1Log``) are sources.
public protocol LogSource: Sendable {
    /// The view this source gives.
    associatedtype View: LogView

    /// Where the log is, for messages.
    var location: String { get }
    /// The log's current checkpoint, verified with the log's keys (and witnesses).
    func latestCheckpoint() async throws(LogError) -> Checkpoint
    /// Checks a checkpoint said to be this log's (one kept from earlier): signed by one of its
    /// keys, cosigned as its witness policy says; `location` names where it came from.
    func verify(_ checkpoint: Checkpoint, location: String?) throws(LogError)
    /// The log at `checkpoint`, one this source verified.
    func view(at checkpoint: Checkpoint) async throws(LogError) -> View
}
