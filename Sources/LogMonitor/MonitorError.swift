import TUF
import TransparencyLog

/// Why a monitor run stopped before it finished.
public struct MonitorError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The log's answer was not used (its kind says why: malformed, unverified, unreachable).
        case log(LogError.Kind)
        /// The state folder or its database could not be read or written.
        case state
        /// The identities to watch, or the configuration naming them, are not valid.
        case policy
    }

    /// What went wrong.
    public var kind: Kind
    /// What was wrong, for people.
    public var reason: String

    /// An error of `kind` for `reason`.
    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    /// A log error, as the monitor reports it.
    public init(_ error: LogError) {
        self.init(.log(error.kind), error.description)
    }

    /// The error as one line, control characters escaped.
    public var description: String { TerminalText.escaped(reason) }
}
