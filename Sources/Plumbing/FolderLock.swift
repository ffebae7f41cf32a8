import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive lock on a folder between processes, held through an advisory lock on a `.lock`
/// file in it, so that two writers of one folder never interleave.
///
/// The system drops the lock when its holder dies, so a killed process never leaves the folder
/// locked.
public struct FolderLock: ~Copyable {
    private let descriptor: Int32

    /// Takes the lock on `folder`, waiting up to `timeout` seconds for another holder; when it
    /// does not come free in time, fails with `busyReason` for the folder.
    public init(_ folder: URL, timeout: TimeInterval, busyReason: String) async throws(StorageError) {
        let path = folder.appendingPathComponent(".lock").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else { throw AtomicFile.storageError(path, "cannot open lock file") }
        try await self.init(locking: descriptor, folder: folder.path, timeout: timeout, busyReason: busyReason)
    }

    /// Takes the lock on the open `folder`, through its `.lock` file reached from the folder's
    /// descriptor (never through a link), waiting as ``init(_:timeout:busyReason:)`` does.
    public init(_ folder: ConfinedDirectory, timeout: TimeInterval, busyReason: String) async throws(StorageError) {
        let descriptor = openat(folder.descriptor, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else { throw AtomicFile.storageError("\(folder.path)/.lock", "cannot open lock file") }
        try await self.init(locking: descriptor, folder: folder.path, timeout: timeout, busyReason: busyReason)
    }

    /// Takes the lock on the open lock file `descriptor`, which it owns from here on.
    private init(locking descriptor: Int32, folder: String, timeout: TimeInterval, busyReason: String) async throws(StorageError) {
        let deadline = Date().addingTimeInterval(timeout)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                close(descriptor)
                throw StorageError(path: folder, reason: busyReason)
            }
            // The lock has no wait with a deadline; polling keeps the wait bounded, and the
            // holder is a process doing one update, not a reason to wake often.
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        self.descriptor = descriptor
    }

    /// Gives the lock up now rather than at the end of the holder's scope.
    public consuming func release() {}

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
