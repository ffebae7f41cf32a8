import Foundation
import TUF

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The folder where a client keeps the metadata it trusts, as the exact bytes it received.
///
/// Files are named after their role (`root.json`, `timestamp.json`, a delegated role's name
/// percent-encoded); nothing else in the folder ends in `.json`. Writes are atomic, and
/// ``withLock(timeout:_:)`` keeps two updates on one cache from interleaving.
///
/// The folder is opened once, when the cache is made, and every file in it is reached from
/// that descriptor without following a link.
public struct MetadataCache: Sendable {
    /// The folder.
    public let directory: URL
    /// The folder, as opened when the cache was made.
    private let folder: ConfinedDirectory
    /// Called with the role name before every write; throwing fails the write. For tests that
    /// prove an interrupted update loses nothing.
    public var beforeWrite: (@Sendable (String) throws(UpdateError) -> Void)?

    /// A cache in `directory`, which is created if missing. The path is the caller's choice,
    /// so a link there is followed; within the folder, none is.
    public init(directory: URL) throws(UpdateError) {
        do {
            folder = try ConfinedDirectory.create(directory.path)
        } catch {
            throw .storage(path: error.path, reason: error.reason)
        }
        self.directory = directory
    }

    /// A cache in the open `folder`: one a caller reached without following links, such as a
    /// client folder's `metadata` (see `ConfinedDirectory.folder(_:creating:)` in Plumbing).
    public init(folder: ConfinedDirectory) {
        self.folder = folder
        directory = URL(fileURLWithPath: folder.path)
    }

    /// The file for `role`: a top-level role's name, else ``caseSafeFileName(_:)`` of the
    /// delegated role's, so that no delegated role (`Root`, `TIMESTAMP`) can land on another
    /// role's file on a case-insensitive file system.
    public func url(for role: String) -> URL {
        let name = topLevelRoleNames.contains(role) ? role : caseSafeFileName(role)
        return directory.appendingPathComponent("\(name).json")
    }

    /// The stored bytes of `role`, or `nil` if there are none. A file larger than
    /// `maximumBytes` is treated as absent: the update then fetches a fresh copy.
    public func read(_ role: String, maximumBytes: Int) -> [UInt8]? {
        // Opened without following a link: what is read is the cache's own file, never one a
        // link planted in the folder points at.
        try? folder.read(url(for: role).lastPathComponent, limit: maximumBytes)
    }

    /// Stores `bytes` as `role`, atomically.
    public func write(_ role: String, _ bytes: [UInt8]) throws(UpdateError) {
        try write([(role, bytes)])
    }

    /// Stores each of `files` as its role, atomically and in the order given, with one flush of
    /// the folder for all (see `ConfinedDirectory.write(_:)` in Plumbing). When a write fails,
    /// those before it may be stored and none after it is.
    public func write(_ files: [(role: String, bytes: [UInt8])]) throws(UpdateError) {
        var allowed: [(name: String, bytes: [UInt8])] = []
        var refusal: UpdateError?
        for file in files {
            do throws(UpdateError) {
                try beforeWrite?(file.role)
            } catch {
                refusal = error
                break
            }
            allowed.append((url(for: file.role).lastPathComponent, file.bytes))
        }
        if !allowed.isEmpty {
            do {
                try folder.write(allowed)
            } catch {
                throw .storage(path: error.path, reason: error.reason)
            }
        }
        if let refusal { throw refusal }
    }

    /// Removes `role`'s file.
    public func remove(_ role: String) throws(UpdateError) {
        do {
            try folder.remove(url(for: role).lastPathComponent)
        } catch {
            throw .storage(path: error.path, reason: error.reason)
        }
    }

    /// Runs `body` holding an exclusive lock on the cache, waiting up to `timeout` seconds for
    /// another process's update to finish.
    public func withLock<T>(timeout: TimeInterval = 60, _ body: () async throws(UpdateError) -> T) async throws(UpdateError) -> T {
        let lock: FolderLock
        do {
            lock = try await FolderLock(folder, timeout: timeout, busyReason: "another update holds the cache lock")
        } catch {
            throw UpdateError(error)
        }
        removeStaleTemporaries()
        let outcome: Result<T, UpdateError>
        do throws(UpdateError) {
            outcome = .success(try await body())
        } catch {
            outcome = .failure(error)
        }
        lock.release()
        return try outcome.get()
    }
}

extension MetadataCache {
    /// Removes temporary files a killed writer left; only called with the lock held, when no
    /// write can be under way.
    fileprivate func removeStaleTemporaries() {
        let names = (try? folder.names()) ?? []
        for name in names where name.hasPrefix(".") && name.hasSuffix(".partial") {
            try? folder.remove(name)
        }
    }
}

/// `string` percent-encoded (``percentEncoded(_:)``) with its capital letters encoded too, so
/// that two different strings never give names that a case-insensitive file system takes for
/// the same: the only capitals left are the hex digits of `%XX`, and `%` itself is encoded.
public func caseSafeFileName(_ string: String) -> String {
    percentEncoded(string, keepingCapitals: false)
}

/// `string` with every byte outside the URL-unreserved set (letters, digits, `-._~`)
/// percent-encoded, as role names are in file names and URLs.
public func percentEncoded(_ string: String) -> String {
    percentEncoded(string, keepingCapitals: true)
}

/// `string` with every byte but the unreserved ones (capital letters among them only when
/// `keepingCapitals`) written as `%XX`.
private func percentEncoded(_ string: String, keepingCapitals: Bool) -> String {
    var output = ""
    for byte in string.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "_"), UInt8(ascii: "~"):
            output.unicodeScalars.append(Unicode.Scalar(byte))
        case UInt8(ascii: "A")...UInt8(ascii: "Z") where keepingCapitals:
            output.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            output += String(format: "%%%02X", byte)
        }
    }
    return output
}
