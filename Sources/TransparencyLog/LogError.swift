import TUF

/// Why a transparency log's answer was not used: one kind for each way the CLI and the monitor
/// react, a reason for people, and where the answer came from.
public struct LogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The log's data is not in the format it must be in, or is larger than allowed.
        case malformed
        /// A signature (the log's, or a witness quorum) does not verify with the trusted keys.
        case unverified
        /// The log's data contradicts itself or what was seen before: a proof does not lead to
        /// the root the log signed, or two checkpoints are not one append-only log.
        case inconsistent
        /// The log could not be reached, or did not answer in time.
        case unreachable
        /// The log has no such entry.
        case notFound
    }

    /// What went wrong.
    public var kind: Kind
    /// What was wrong, for people.
    public var reason: String
    /// The URL or file the data came from, when known.
    public var location: String?

    /// An error of `kind` for `reason`, read from `location`.
    public init(_ kind: Kind, _ reason: String, at location: String? = nil) {
        self.kind = kind
        self.reason = reason
        self.location = location
    }

    /// The error as one line, control characters escaped.
    public var description: String {
        TerminalText.escaped(location.map { "\($0): \(reason)" } ?? reason)
    }

    /// The same error, said to come from `location` unless it already names a place.
    public func at(_ location: String) -> LogError {
        var copy = self
        if copy.location == nil { copy.location = location }
        return copy
    }
}
