import Dispatch

/// The cache writes of one update, made in the order they were asked for on a queue of their
/// own, so that the update fetches and checks the next file while the last one reaches the
/// disk.
///
/// A write that fails stops every write after it. What the folder holds is therefore always
/// what the same writes made one after another would have left at some point, and an update
/// interrupted anywhere leaves a cache the next update can start from, as before. ``flush()``
/// waits for the writes asked for so far and reports the first that failed; an update calls it
/// before it reads a file it may have written, and before it ends.
final class WriteBehind: @unchecked Sendable {
    private let cache: MetadataCache
    private let queue = DispatchQueue(label: "trustroot.cache-writes")
    /// The first write that failed; read and set on `queue` only.
    private var failure: UpdateError?

    /// Writes into `cache`.
    init(cache: MetadataCache) {
        self.cache = cache
    }

    /// Stores `bytes` as `role` once the writes before it are done, unless one of them failed.
    func write(_ role: String, _ bytes: [UInt8]) {
        queue.async { [self] in
            guard failure == nil else { return }
            do throws(UpdateError) {
                try cache.write(role, bytes)
            } catch {
                failure = error
            }
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
