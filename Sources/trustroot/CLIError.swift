import Crypto
import Foundation
import TUF
import TUFClient

/// An error the CLI reports as one line, with an exit code that tells its class apart.
struct CLIError: Error {
    /// Exit codes; 64 (bad usage) comes from ArgumentParser itself.
    enum ExitCode: Int32 {
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
    }

    let message: String
    let code: ExitCode

    var exitCode: Int32 { code.rawValue }

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

/// Writes text to a standard stream without buffering surprises.
struct FileHandleOutput {
    let handle: FileHandle

    static let standardError = FileHandleOutput(handle: .standardError)
    static let standardOutput = FileHandleOutput(handle: .standardOutput)

    func write(_ text: String) { handle.write(Data(text.utf8)) }
    func write(_ bytes: [UInt8]) { handle.write(Data(bytes)) }
}

/// Reads a whole file, refusing one larger than `limit` bytes before reading it.
func readFile(_ path: String, limit: Int = 32 << 20) throws(CLIError) -> [UInt8] {
    let attributes: [FileAttributeKey: Any]
    do {
        attributes = try FileManager.default.attributesOfItem(atPath: path)
    } catch {
        throw CLIError(message: "\(path): cannot read: no such file or not accessible", code: .noInput)
    }
    if let size = attributes[.size] as? Int, size > limit {
        throw CLIError(
            message: "\(path): file is \(size) bytes, more than the limit of \(limit)",
            code: .invalidData
        )
    }
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw CLIError(message: "\(path): cannot open for reading", code: .noInput)
    }
    defer { try? handle.close() }
    // Read one byte past the limit so that a file that grew since stat is still refused.
    guard let data = try? handle.read(upToCount: limit + 1) else {
        throw CLIError(message: "\(path): read failed", code: .ioError)
    }
    if data.count > limit {
        throw CLIError(
            message: "\(path): file is more than the limit of \(limit) bytes",
            code: .invalidData
        )
    }
    return Array(data)
}

/// The SHA-256 of a file of any size, read in 1 MiB pieces so that memory stays flat.
func sha256OfFile(_ path: String) throws(CLIError) -> [UInt8] {
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw CLIError(message: "\(path): cannot read: no such file or not accessible", code: .noInput)
    }
    defer { try? handle.close() }
    var hasher = SHA256()
    while true {
        let piece: Data?
        do {
            piece = try handle.read(upToCount: 1 << 20)
        } catch {
            throw CLIError(message: "\(path): read failed", code: .ioError)
        }
        guard let piece, !piece.isEmpty else { break }
        hasher.update(data: piece)
    }
    return Array(hasher.finalize())
}
