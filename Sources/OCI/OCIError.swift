/// Why a registry, a reference or an image was not used: its kind, what was wrong, and where.
public struct OCIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of failure, each with its exit code at the command line.
    public enum Kind: Sendable, Equatable {
        /// The reference is not one.
        case reference
        /// The registry could not be reached or answered with a server error.
        case unreachable
        /// The registry has no such repository, manifest or blob.
        case notFound
        /// The registry refused the credentials, or asked for some and none were given.
        case unauthorized
        /// What the registry served is not what it should be: bad JSON, a wrong digest, too large.
        case malformed
    }

    /// The kind.
    public var kind: Kind
    /// What was wrong.
    public var reason: String
    /// Where: a URL or a reference.
    public var location: String?

    /// A failure of `kind`.
    public init(_ kind: Kind, _ reason: String, at location: String? = nil) {
        self.kind = kind
        self.reason = reason
        self.location = location
    }

    /// One line: where, then what.
    public var description: String { location.map { "\($0): \(reason)" } ?? reason }
}
