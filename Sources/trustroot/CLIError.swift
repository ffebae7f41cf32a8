import Crypto
import Foundation
import Sigstore
import SigstoreTUF
import TUF
import TUFClient

/// An error the CLI reports as one line, with an exit code that tells its class apart.
struct CLIError: Error, CustomStringConvertible {
    /// Exit codes; ArgumentParser gives 64 for what it refuses itself.
    enum ExitCode: Int32 {
        /// An argument that is not what the option takes (EX_USAGE).
        case usage = 64
        /// A signature threshold was not met, or a check failed.
        case verificationFailed = 1
        /// Input that is not valid metadata (EX_DATAERR).
        case invalidData = 65
        /// A file that cannot be read (EX_NOINPUT).
        case noInput = 66
        /// The target is listed by no trusted targets metadata.
        case notFound = 3
        /// The repository could not be reached or answered with an error (EX_UNAVAILABLE).
        case networkError = 69
        /// A file that cannot be written (EX_IOERR).
        case ioError = 74
        /// A registry refused the credentials, or asked for some and none were configured (EX_NOPERM).
        case noPermission = 77
    }

    let message: String
    let code: ExitCode

    var exitCode: Int32 { code.rawValue }

    /// The message.
    var description: String { message }

    static func invalid(_ path: String, _ error: MetadataError) -> CLIError {
        CLIError(message: "\(path): \(error)", code: .invalidData)
    }
}

extension CLIError {
    /// An update error, with the exit code of its class.
    init(_ error: UpdateError) {
        message = error.description
        switch error {
        case .fetch(let fetchError) where !fetchError.isTooLarge: code = .networkError
        case .storage: code = .ioError
        case .targetNotFound: code = .notFound
        default: code = .verificationFailed
        }
    }
}

extension CLIError {
    /// A failure of the client folder, with the exit code of its kind.
    init(_ error: ProviderError) {
        switch error.kind {
        case .update(let update): self = CLIError(update)
        case .file(let file): self = CLIError(file)
        case .noClient, .notFetched: self = CLIError(message: error.description, code: .noInput)
        case .unreadableSettings, .malformed: self = CLIError(message: error.description, code: .invalidData)
        case .storage: self = CLIError(message: error.description, code: .ioError)
        case .notListed: self = CLIError(message: error.description, code: .notFound)
        case .targetNotServed: self = CLIError(message: error.description, code: .networkError)
        case .mismatch, .expired: self = CLIError(message: error.description, code: .verificationFailed)
        }
    }

    /// Runs `body`, turning a client-folder failure into one line and its exit code.
    static func mapping<Value>(_ body: () throws(ProviderError) -> Value) throws(CLIError) -> Value {
        do {
            return try body()
        } catch {
            throw CLIError(error)
        }
    }

    /// Runs `body`, turning a client-folder failure into one line and its exit code.
    static func mapping<Value>(_ body: () async throws(ProviderError) -> Value) async throws(CLIError) -> Value {
        do {
            return try await body()
        } catch {
            throw CLIError(error)
        }
    }
}

extension CLIError {
    /// A file that could not be written: 74.
    init(_ error: StorageError) {
        message = error.description
        code = .ioError
    }
}

extension CLIError {
    /// A refused or failed file operation: 1 when a link or an unsafe path was refused, 74 when
    /// the system failed it.
    init(_ error: ConfinedDirectory.Error) {
        message = error.description
        switch error.kind {
        case .system: code = .ioError
        case .tooLarge: code = .invalidData
        case .unsafePath, .symbolicLink, .notRegularFile: code = .verificationFailed
        }
    }
}

/// Writes text to a standard stream without buffering surprises.
struct FileHandleOutput {
    let handle: FileHandle

    static let standardError = FileHandleOutput(handle: .standardError)
    static let standardOutput = FileHandleOutput(handle: .standardOutput)

    /// Writes `text`, its control characters escaped but its line breaks kept (``TerminalText``).
    func write(_ text: String) { handle.write(Data(TerminalText.escapedLines(text).utf8)) }
    func write(_ bytes: [UInt8]) { handle.write(Data(bytes)) }
}

/// Reads a whole file, refusing one larger than `limit` bytes before reading it.
///
/// Plain POSIX calls rather than FileManager and FileHandle: this runs on every `verify`, and
/// Foundation's attribute dictionary costs reflective lookups worth about half a millisecond
/// of a process that lives ten.
///
/// - Parameter acceptingStreams: whether a pipe or device may stand for the file (an artifact
///   given as `/dev/stdin` or `<(…)`); trusted files, bundles and keys must be regular files.
func readFile(_ path: String, limit: Int = 32 << 20, acceptingStreams: Bool = false) throws(CLIError) -> [UInt8] {
    // Non-blocking, so that a FIFO or device put in a file's place is refused, not waited on.
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else {
        throw CLIError(message: "\(path): cannot read: no such file or not accessible", code: .noInput)
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
        throw CLIError(message: "\(path): cannot read: no such file or not accessible", code: .noInput)
    }
    guard status.st_mode & S_IFMT != S_IFDIR else {
        throw CLIError(message: "\(path): is a folder, not a file", code: .noInput)
    }
    if status.st_mode & S_IFMT != S_IFREG {
        guard acceptingStreams else { throw CLIError(message: "\(path): not a regular file", code: .noInput) }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
    }
    if status.st_mode & S_IFMT == S_IFREG && Int(status.st_size) > limit {
        throw CLIError(message: "\(path): file is \(status.st_size) bytes, more than the limit of \(limit)", code: .invalidData)
    }
    // Read up to one byte past the limit, so that a file that grew since fstat is still refused.
    var bytes: [UInt8] = []
    bytes.reserveCapacity(min(Int(status.st_size), limit) + 1)
    var piece = [UInt8](repeating: 0, count: 1 << 16)
    while bytes.count <= limit {
        let wanted = min(piece.count, limit + 1 - bytes.count)
        let count = piece.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, wanted) }
        if count < 0 {
            if errno == EINTR { continue }
            throw CLIError(message: "\(path): read failed: \(String(cString: strerror(errno)))", code: .ioError)
        }
        if count == 0 { break }
        bytes.append(contentsOf: piece[0..<count])
    }
    if bytes.count > limit {
        throw CLIError(message: "\(path): file is more than the limit of \(limit) bytes", code: .invalidData)
    }
    return bytes
}

/// The size `stat` gives for the file at `path`, or nil when there is none to examine.
func fileSize(_ path: String) -> Int? {
    var status = stat()
    guard stat(path, &status) == 0 else { return nil }
    return Int(status.st_size)
}

/// The digest by `hash` of a file of any size, read in 1 MiB pieces so that memory stays flat.
func digestOfFile(_ path: String, _ hash: VerificationKey.Hash = .sha256) throws(CLIError) -> [UInt8] {
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw CLIError(message: "\(path): cannot read: no such file or not accessible", code: .noInput)
    }
    defer { try? handle.close() }
    var hasher = StreamingHash(hash)
    while true {
        let piece: Data?
        do {
            piece = try handle.read(upToCount: 1 << 20)
        } catch {
            throw CLIError(message: "\(path): read failed", code: .ioError)
        }
        guard let piece, !piece.isEmpty else { break }
        hasher.update(piece)
    }
    return hasher.finalize()
}

/// One of the hash functions a digest argument or signing key names, fed piece by piece.
private enum StreamingHash {
    case sha256(SHA256)
    case sha384(SHA384)
    case sha512(SHA512)

    init(_ hash: VerificationKey.Hash) {
        switch hash {
        case .sha256: self = .sha256(SHA256())
        case .sha384: self = .sha384(SHA384())
        case .sha512: self = .sha512(SHA512())
        }
    }

    mutating func update(_ data: Data) {
        switch self {
        case .sha256(var hasher):
            hasher.update(data: data)
            self = .sha256(hasher)
        case .sha384(var hasher):
            hasher.update(data: data)
            self = .sha384(hasher)
        case .sha512(var hasher):
            hasher.update(data: data)
            self = .sha512(hasher)
        }
    }

    func finalize() -> [UInt8] {
        switch self {
        case .sha256(let hasher): return Array(hasher.finalize())
        case .sha384(let hasher): return Array(hasher.finalize())
        case .sha512(let hasher): return Array(hasher.finalize())
        }
    }
}
