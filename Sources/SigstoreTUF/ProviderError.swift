import TUFClient

/// Why the client folder gave no trusted root or signing config: what was wrong, where, and
/// what to run.
public struct ProviderError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable {
        /// There is no client in the folder.
        case noClient
        /// The client's settings do not read.
        case unreadableSettings
        /// The TUF update (or the cache, offline) failed.
        case update(UpdateError)
        /// A file in the client folder could not be read or written safely.
        case file(ConfinedDirectory.Error)
        /// The folder could not be written.
        case storage
        /// The repository lists no such target.
        case notListed
        /// The target is listed but the client has not fetched it.
        case notFetched
        /// The client's copy does not match what the trusted metadata lists.
        case mismatch
        /// The trusted metadata has expired.
        case expired
        /// The targets URL does not serve a target the metadata lists.
        case targetNotServed
        /// The target is not a trusted root or signing config.
        case malformed
    }

    /// What went wrong.
    public let kind: Kind
    /// The failure as one line, naming the file or URL and what to run.
    public let description: String

    /// A failure of `kind`, described by `description`.
    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
