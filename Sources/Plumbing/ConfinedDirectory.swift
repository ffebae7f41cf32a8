import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A folder whose files are reached only through relative paths opened from the folder's own
/// descriptor, one component at a time, never following a symbolic link.
///
/// A path with an empty, `.` or `..` component, a leading `/` or a NUL byte is refused before
/// any I/O, and a symbolic link anywhere below the folder is refused when it is met; so nothing
/// read, written, listed or removed through a `ConfinedDirectory` can be outside it, whatever
/// someone planted in the folder. The folder itself is opened by the path the caller gives;
/// ``folder(_:creating:)`` opens one below it under the same rule.
public struct ConfinedDirectory: Sendable {
    /// Why a confined file operation failed.
    public struct Error: Swift.Error, Equatable, Sendable, CustomStringConvertible {
        /// What went wrong.
        public enum Kind: Equatable, Sendable {
            /// The relative path has an empty, `.` or `..` part, is absolute or holds a NUL.
            case unsafePath
            /// A symbolic link stands in the path or where a file was expected.
            case symbolicLink
            /// Something other than a regular file or folder stands in the path.
            case notRegularFile
            /// The file is larger than the caller allows.
            case tooLarge(limit: Int)
            /// The operating system refused the operation.
            case system(String)
        }

        /// The path, as the caller named it (the folder's path, then the relative one).
        public let path: String
        /// What went wrong.
        public let kind: Kind

        /// The error as one line for people.
        public var description: String { "\(path): \(reason)" }

        /// What went wrong, without the path.
        public var reason: String {
            switch kind {
            case .unsafePath: return "not a plain relative path inside the folder"
            case .symbolicLink: return "is or passes through a symbolic link, which is refused"
            case .notRegularFile: return "not a regular file or folder"
            case .tooLarge(let limit): return "larger than \(limit) bytes"
            case .system(let reason): return reason
            }
        }
    }

    /// The descriptor's owner: closes it when the last copy of the directory goes.
    private final class Handle: Sendable {
        let descriptor: Int32
        init(_ descriptor: Int32) { self.descriptor = descriptor }
        deinit { close(descriptor) }
    }

    private let handle: Handle
    /// The folder's path, as given; used only in messages.
    public let path: String

    /// The open folder, for the other confined operations of this module (``FolderLock``).
    var descriptor: Int32 { handle.descriptor }

    /// Opens the folder at `path`; `nil` when there is none.
    ///
    /// - Throws: when `path` is something other than a folder, or cannot be opened.
    public static func open(_ path: String) throws(Error) -> ConfinedDirectory? {
        let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw Error(path: path, kind: errno == ENOTDIR ? .notRegularFile : .system(Self.reason()))
        }
        return ConfinedDirectory(handle: Handle(descriptor), path: path)
    }

    /// Opens the folder at `path`, creating it (and its parents) when absent.
    public static func create(_ path: String) throws(Error) -> ConfinedDirectory {
        if let existing = try open(path) { return existing }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw Error(path: path, kind: .system("cannot create the folder"))
        }
        guard let created = try open(path) else { throw Error(path: path, kind: .system("cannot open the folder")) }
        return created
    }

    private init(handle: Handle, path: String) {
        self.handle = handle
        self.path = path
    }

    /// The folder at `relative` below this one, reached without following a link, as a
    /// confined folder of its own; `nil` when it is absent and not `creating`.
    ///
    /// The one opened is the one used: a link put in its place afterwards changes nothing.
    ///
    /// - Throws: when a symbolic link or something other than a folder stands in the path, or
    ///   the folder cannot be opened or created.
    public func folder(_ relative: String, creating: Bool) throws(Error) -> ConfinedDirectory? {
        guard let descriptor = try directoryDescriptor(relative, creating: creating) else { return nil }
        return ConfinedDirectory(handle: Handle(descriptor), path: describe(relative))
    }

    /// The names of the entries (of any kind) directly in this folder, unsorted.
    ///
    /// - Throws: when the folder cannot be listed, or holds more than `limit` entries.
    public func names(limit: Int = 100_000) throws(Error) -> [String] {
        let listing = try freshDescriptor()
        guard let stream = fdopendir(listing) else {
            close(listing)
            throw failure("")
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            guard names.count < limit else { throw Error(path: path, kind: .system("more entries than the limit")) }
            names.append(name)
        }
        return names
    }

    /// Whether `relative` is a path this type accepts: non-empty parts separated by `/`, none
    /// of them `.` or `..`, no leading `/`, no NUL.
    public static func isPlainRelativePath(_ relative: String) -> Bool {
        guard !relative.isEmpty, !relative.utf8.contains(0), relative.utf8.first != UInt8(ascii: "/") else { return false }
        return relative.split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0 != "." && $0 != ".."
        }
    }

    // MARK: - Reading

    /// The bytes of the regular file at `relative`, or `nil` when nothing is there.
    ///
    /// - Throws: for an unsafe path, a symbolic link on the way, something other than a
    ///   regular file, or a file larger than `limit` bytes.
    public func read(_ relative: String, limit: Int) throws(Error) -> [UInt8]? {
        let (parent, name) = try parentDescriptor(of: relative, creating: false)
        guard let parent else { return nil }
        defer { close(parent) }
        let descriptor = openat(parent, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw failure(relative)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure(relative) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw Error(path: describe(relative), kind: .notRegularFile) }
        guard status.st_size <= limit else { throw Error(path: describe(relative), kind: .tooLarge(limit: limit)) }
        return try readAll(descriptor, limit: limit, expected: Int(status.st_size), relative: relative)
    }

    /// Whether anything (a file, folder or link) stands at `relative`.
    public func exists(_ relative: String) throws(Error) -> Bool {
        let (parent, name) = try parentDescriptor(of: relative, creating: false)
        guard let parent else { return false }
        defer { close(parent) }
        var status = stat()
        if fstatat(parent, name, &status, AT_SYMLINK_NOFOLLOW) == 0 { return true }
        if errno == ENOENT { return false }
        throw failure(relative)
    }

    /// The regular files below the folder `relative` (`nil` for this folder), as paths
    /// relative to this folder, sorted by their bytes; none when the folder is absent.
    ///
    /// - Throws: when a symbolic link or anything but files and folders is found, or the
    ///   tree holds more than `limit` entries.
    public func files(under relative: String?, limit: Int = 100_000) throws(Error) -> [String] {
        var found: [String] = []
        var budget = limit
        let start: Int32
        if let relative {
            guard let descriptor = try directoryDescriptor(relative, creating: false) else { return [] }
            start = descriptor
        } else {
            start = try freshDescriptor()
        }
        try walk(start, prefix: relative.map { "\($0)/" } ?? "", into: &found, budget: &budget)
        return found.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Adds the regular files below the open folder `descriptor` (which it closes) to `found`.
    private func walk(_ descriptor: Int32, prefix: String, into found: inout [String], budget: inout Int) throws(Error) {
        guard let stream = fdopendir(descriptor) else {
            close(descriptor)
            throw failure(prefix)
        }
        defer { closedir(stream) }
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            budget -= 1
            guard budget >= 0 else { throw Error(path: describe(prefix), kind: .system("more entries than the limit")) }
            let relative = prefix + name
            var status = stat()
            guard fstatat(dirfd(stream), name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { throw failure(relative) }
            switch status.st_mode & S_IFMT {
            case S_IFREG: found.append(relative)
            case S_IFDIR:
                let child = openat(dirfd(stream), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard child >= 0 else { throw failure(relative) }
                try walk(child, prefix: relative + "/", into: &found, budget: &budget)
            case S_IFLNK: throw Error(path: describe(relative), kind: .symbolicLink)
            default: throw Error(path: describe(relative), kind: .notRegularFile)
            }
        }
    }

    // MARK: - Writing

    /// Replaces the file at `relative` with `bytes` so that a crash leaves the old file or the
    /// new one, whole, creating the folders on the way; a symbolic link in the way is refused.
    ///
    /// With `syncing` false neither the file nor the rename is flushed: a reader still sees the
    /// old file or the new one whole, but a power cut may undo the write or tear the file. Only
    /// for a file every reader checks against a digest it trusts.
    public func write(_ bytes: [UInt8], to relative: String, syncing: Bool = true) throws(Error) {
        let (parentOrNil, name) = try parentDescriptor(of: relative, creating: true)
        guard let parent = parentOrNil else { throw Error(path: describe(relative), kind: .system("cannot create its folder")) }
        defer { close(parent) }
        let staged = try stage(bytes, as: name, in: parent, describing: relative)
        var problem: Error?
        if syncing && fsync(staged.descriptor) != 0 { problem = failure(relative, "fsync failed") }
        if close(staged.descriptor) != 0 && problem == nil { problem = failure(relative, "close failed") }
        if problem == nil && renameat(parent, staged.temporary, parent, name) != 0 { problem = failure(relative, "rename failed") }
        if let problem {
            unlinkat(parent, staged.temporary, 0)
            throw problem
        }
        if syncing { _ = fsync(parent) }
    }

    /// Replaces several files of this folder (plain names, no folders on the way) with their
    /// bytes, flushing the folder once for all: every new file is written and flushed first,
    /// then each is renamed into place in the order given, then the folder is flushed.
    ///
    /// A crash leaves each file old or new, and whole. The renames made are the first ones in
    /// the order given; after a power cut the same holds as far as the file system keeps renames
    /// in order, as journaling ones do. When a file cannot be written or flushed, or a link or
    /// other non-file stands in place of one, none is renamed and no temporary file stays.
    public func write(_ files: [(name: String, bytes: [UInt8])]) throws(Error) {
        for file in files where !Self.isPlainRelativePath(file.name) || file.name.contains("/") {
            throw Error(path: describe(file.name), kind: .unsafePath)
        }
        let parent = dup(handle.descriptor)
        guard parent >= 0 else { throw failure("") }
        defer { close(parent) }
        var staged: [(name: String, temporary: String)] = []
        var problem: Error?
        for file in files where problem == nil {
            do {
                let written = try stage(file.bytes, as: file.name, in: parent, describing: file.name)
                if fsync(written.descriptor) != 0 { problem = failure(file.name, "fsync failed") }
                if close(written.descriptor) != 0 && problem == nil { problem = failure(file.name, "close failed") }
                staged.append((file.name, written.temporary))
            } catch {
                problem = error
            }
        }
        var renamed = 0
        while problem == nil && renamed < staged.count {
            let file = staged[renamed]
            if renameat(parent, file.temporary, parent, file.name) != 0 {
                problem = failure(file.name, "rename failed")
            } else {
                renamed += 1
            }
        }
        for file in staged.dropFirst(renamed) { unlinkat(parent, file.temporary, 0) }
        if renamed > 0 { _ = fsync(parent) }
        if let problem { throw problem }
    }

    /// A new temporary file beside `name` in the open folder `parent`, holding `bytes` and still
    /// open for writing, `name` itself being absent or a regular file (never a link).
    private func stage(_ bytes: [UInt8], as name: String, in parent: Int32, describing relative: String) throws(Error) -> (
        temporary: String, descriptor: Int32
    ) {
        var status = stat()
        if fstatat(parent, name, &status, AT_SYMLINK_NOFOLLOW) == 0 {
            switch status.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFLNK: throw Error(path: describe(relative), kind: .symbolicLink)
            default: throw Error(path: describe(relative), kind: .notRegularFile)
            }
        }
        let temporary = ".\(name).\(UInt64.random(in: 0...UInt64.max)).partial"
        let descriptor = openat(parent, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure(relative, "cannot create a temporary file") }
        guard AtomicFile.writeFully(bytes, to: descriptor) else {
            // The reason is read before the clean-up sets errno again.
            let problem = failure(relative, "write failed")
            close(descriptor)
            unlinkat(parent, temporary, 0)
            throw problem
        }
        return (temporary, descriptor)
    }

    /// Removes the file at `relative` if there is one (a link is removed, never followed).
    public func remove(_ relative: String) throws(Error) {
        let (parentOrNil, name) = try parentDescriptor(of: relative, creating: false)
        guard let parent = parentOrNil else { return }
        defer { close(parent) }
        guard unlinkat(parent, name, 0) == 0 else {
            if errno == ENOENT { return }
            throw failure(relative, "cannot remove")
        }
        // Only a removal that happened has anything for the folder to make durable.
        _ = fsync(parent)
    }

    // MARK: - Walking

    /// An open descriptor of the folder holding `relative`'s last part, and that part; a `nil`
    /// descriptor when a folder on the way is absent (and `creating` is false).
    private func parentDescriptor(of relative: String, creating: Bool) throws(Error) -> (Int32?, String) {
        guard Self.isPlainRelativePath(relative) else { throw Error(path: describe(relative), kind: .unsafePath) }
        var parts = relative.split(separator: "/").map(String.init)
        let name = parts.removeLast()
        if parts.isEmpty {
            let copy = dup(handle.descriptor)
            guard copy >= 0 else { throw failure(relative) }
            return (copy, name)
        }
        return (try directoryDescriptor(parts.joined(separator: "/"), creating: creating), name)
    }

    /// An open descriptor of the folder `relative`, or `nil` when absent and not `creating`.
    private func directoryDescriptor(_ relative: String, creating: Bool) throws(Error) -> Int32? {
        guard Self.isPlainRelativePath(relative) else { throw Error(path: describe(relative), kind: .unsafePath) }
        var current = dup(handle.descriptor)
        guard current >= 0 else { throw failure(relative) }
        var walked = ""
        for part in relative.split(separator: "/").map(String.init) {
            walked += walked.isEmpty ? part : "/\(part)"
            var next = openat(current, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT && creating {
                if mkdirat(current, part, 0o755) != 0 && errno != EEXIST {
                    close(current)
                    throw failure(walked, "cannot create the folder")
                }
                next = openat(current, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if next < 0 {
                let code = errno
                var status = stat()
                let isLink = fstatat(current, part, &status, AT_SYMLINK_NOFOLLOW) == 0 && status.st_mode & S_IFMT == S_IFLNK
                close(current)
                if code == ENOENT { return nil }
                if isLink || code == ELOOP { throw Error(path: describe(walked), kind: .symbolicLink) }
                if code == ENOTDIR { throw Error(path: describe(walked), kind: .notRegularFile) }
                errno = code
                throw failure(walked)
            }
            close(current)
            current = next
        }
        return current
    }

    /// Reads to the end in chunks the size of the file as `fstat` saw it (plus one byte, to see
    /// it end), so a small file costs no large buffer; the file may still grow while it is read.
    private func readAll(_ descriptor: Int32, limit: Int, expected: Int, relative: String) throws(Error) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Swift.min(Swift.max(expected, 0), limit))
        var chunk = [UInt8](repeating: 0, count: Swift.min(65536, Swift.max(expected, 0) + 1))
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(relative)
            }
            if count == 0 { return bytes }
            guard count <= limit - bytes.count else { throw Error(path: describe(relative), kind: .tooLarge(limit: limit)) }
            bytes += chunk[0..<count]
        }
    }

    /// A new descriptor of this folder with a listing position of its own: a `dup` would share
    /// the folder's, so a second listing, or two at once, would miss entries.
    private func freshDescriptor() throws(Error) -> Int32 {
        let descriptor = openat(handle.descriptor, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("") }
        return descriptor
    }

    private func describe(_ relative: String) -> String { relative.isEmpty ? path : "\(path)/\(relative)" }

    private func failure(_ relative: String, _ what: String? = nil) -> Error {
        let code = errno
        if code == ELOOP { return Error(path: describe(relative), kind: .symbolicLink) }
        let reason = Self.reason()
        return Error(path: describe(relative), kind: .system(what.map { "\($0): \(reason)" } ?? reason))
    }

    private static func reason() -> String { String(cString: strerror(errno)) }
}
