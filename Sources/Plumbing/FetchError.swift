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

    /// The address the failure concerns.
    public var url: String {
        switch self {
        case .httpStatus(let url, _), .tooLarge(let url, _), .timedOut(let url), .transport(let url, _): return url
        }
    }

    /// What went wrong, without the address, for a caller that names the address itself.
    public var reason: String {
        switch self {
        case .httpStatus(_, let status): return "HTTP status \(status)"
        case .tooLarge(_, let limit): return "more than the \(limit)-byte limit for this file"
        case .timedOut: return "timed out"
        case .transport(_, let reason): return reason
        }
    }

    /// The error as one line for people: the address, then the reason.
    public var description: String { "\(url): \(reason)" }
}
