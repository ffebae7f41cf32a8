import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes files so that a crash at any moment leaves either the old file or the new one, whole.
///
/// The bytes go to a temporary file in the same folder (named with a leading dot and no `.json`
/// suffix, so no reader mistakes it for metadata), are flushed to disk, renamed over the
/// destination, and the folder itself is flushed so the rename survives a power cut.
public enum AtomicFile {
    /// Atomically replaces the file at `url` with `bytes`.
    ///
    /// With `syncing` false the file and the rename are not flushed: a reader still sees the old
    /// file or the new one whole, but a power cut may undo the write or leave the file torn. Only
    /// for a file every reader checks against a digest it trusts, so that such a file is simply
    /// fetched again.
    public static func write(_ bytes: [UInt8], to url: URL, syncing: Bool = true) throws(StorageError) {
        let folder = url.deletingLastPathComponent().path
        let temporary = "\(folder)/.\(url.lastPathComponent).\(UInt64.random(in: 0...UInt64.max)).partial"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw storageError(url.path, "cannot create a temporary file beside it") }
        var failure: StorageError?
        // Failures name the file being replaced: the temporary one is gone by the time anyone reads the error.
        if !writeFully(bytes, to: descriptor) { failure = storageError(url.path, "write failed") }
        if failure == nil && syncing && fsync(descriptor) != 0 { failure = storageError(url.path, "fsync failed") }
        if close(descriptor) != 0 && failure == nil { failure = storageError(url.path, "close failed") }
        if failure == nil && rename(temporary, url.path) != 0 { failure = storageError(url.path, "rename failed") }
        if let failure {
            unlink(temporary)
            throw failure
        }
        if syncing { syncFolder(folder) }
    }

    /// Writes all of `bytes` to the open file `descriptor`, retrying interrupted and short
    /// writes; `false` on an error (`errno` says which).
    public static func writeFully(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + written, bytes.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                return false
            }
            written += result
        }
        return true
    }

    /// Removes the file at `url` if it exists, and flushes the folder.
    public static func remove(_ url: URL) throws(StorageError) {
        guard unlink(url.path) == 0 else {
            if errno == ENOENT { return }
            throw storageError(url.path, "cannot remove")
        }
        // Only a removal that happened has anything for the folder to make durable.
        syncFolder(url.deletingLastPathComponent().path)
    }

    private static func syncFolder(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    /// A failure of `what` on `path`, with the reason `errno` gives.
    public static func storageError(_ path: String, _ what: String) -> StorageError {
        StorageError(path: path, reason: "\(what): \(String(cString: strerror(errno)))")
    }
}
