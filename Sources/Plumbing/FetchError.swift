import Foundation

/// Why a file could not be fetched.
public enum FetchError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The server answered with an HTTP error status.
    case httpStatus(url: String, status: Int)
    /// The file was larger than the cap for it; reading stopped at the cap.
    case tooLarge(url: String, limit: Int)
    /// No answer, or the answer stalled, within the time allowed.
    case timedOut(url: String)
    /// The transport failed (refused connection, reset, bad URL, unreadable file).
    case transport(url: String, reason: String)

    /// Whether the server said the file does not exist (HTTP 403 or 404, or no such local file).
    public var isNotFound: Bool {
        if case .httpStatus(_, let status) = self { return status == 404 || status == 403 }
        return false
    }

    /// The error as one line for people.
    public var description: String {
        switch self {
        case .httpStatus(let url, let status): return "\(url): HTTP status \(status)"
        case .tooLarge(let url, let limit): return "\(url): more than the \(limit)-byte limit for this file"
        case .timedOut(let url): return "\(url): timed out"
        case .transport(let url, let reason): return "\(url): \(reason)"
        }
    }
}
