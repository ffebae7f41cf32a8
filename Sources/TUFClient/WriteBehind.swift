import Dispatch
import Synchronization

/// The cache writes of one update, made in the order they were asked for on a queue of their
/// own, so that the update fetches and checks the next file while the last one reaches the
/// disk.
///
/// The writes waiting when the queue gets to them are made together, with one flush of the
/// folder (`MetadataCache.write(_:)`, batch form): files checked while an earlier write was
/// flushing then share a flush instead of each waiting for its own. A write that fails stops
/// every write after it. What the folder holds is therefore always what the same writes made one
/// after another would have left at some point, and an update interrupted anywhere leaves a
/// cache the next update can start from, as before. ``flush()`` waits for the writes asked for
/// so far and reports the first that failed; an update calls it before it reads a file it may
/// have written, and before it ends.
final class WriteBehind: @unchecked Sendable {
    private let cache: MetadataCache
    private let queue = DispatchQueue(label: "trustroot.cache-writes")
    /// The writes asked for and not yet taken by the queue, in order.
    private let waiting = Mutex<[(role: String, bytes: [UInt8])]>([])
    /// The first write that failed; read and set on `queue` only.
    private var failure: UpdateError?

    /// Writes into `cache`.
    init(cache: MetadataCache) {
        self.cache = cache
    }

    /// Stores `bytes` as `role` once the writes before it are done, unless one of them failed.
    func write(_ role: String, _ bytes: [UInt8]) {
        waiting.withLock { $0.append((role, bytes)) }
        queue.async { [self] in writeWaiting() }
    }

    /// Makes every write waiting, together; on `queue` only. A later call finds nothing left
    /// when an earlier one took its write.
    private func writeWaiting() {
        let batch = waiting.withLock { waiting in
            defer { waiting = [] }
            return waiting
        }
        guard failure == nil, !batch.isEmpty else { return }
        do throws(UpdateError) {
            try cache.write(batch)
        } catch {
            failure = error
        }
    }

    /// Waits for every write asked for so far.
    ///
    /// - Throws: the first write's failure.
    func flush() async throws(UpdateError) {
        let failure = await withCheckedContinuation { (done: CheckedContinuation<UpdateError?, Never>) in
            queue.async { done.resume(returning: self.failure) }
        }
        if let failure { throw failure }
    }
}
