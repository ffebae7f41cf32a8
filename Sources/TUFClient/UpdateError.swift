import Foundation
import TUF

/// Why an update or download was refused. Each case names the role or file and what was wrong.
public enum UpdateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A metadata file is not valid metadata of the expected type.
    case invalidMetadata(role: String, MetadataError)
    /// Too few of the trusted keys signed. The verification says who did and did not.
    case thresholdNotMet(role: String, ThresholdVerification)
    /// A version other than the one required (root N+1; the version the parent lists).
    case unexpectedVersion(role: String, expected: Int, found: Int)
    /// A version lower than the one already trusted: a rollback.
    case rollback(role: String, trusted: Int, offered: Int)
    /// The metadata has expired at the update's reference time.
    case expired(role: String, expires: Date)
    /// Bytes that do not match the length or hashes their parent lists.
    case lengthOrHashMismatch(file: String, LengthAndHashError)
    /// The snapshot lacks a role that the trusted snapshot or a delegation names.
    case missingFromSnapshot(role: String)
    /// A step taken out of the order the specification prescribes.
    case outOfOrder(String)
    /// A delegated role was reached through a delegator whose keys do not sign it.
    case delegationMismatch(role: String, delegator: String)
    /// The root is older than the minimum the caller accepts.
    case rootBelowMinimum(version: Int, minimum: Int)
    /// The repository does not (yet) have the root version the caller pinned.
    case pinnedRootUnavailable(pinned: Int, reached: Int)
    /// A file the caller pinned by SHA-256 has another digest.
    case pinnedDigestMismatch(file: String)
    /// Fetching failed.
    case fetch(FetchError)
    /// Reading or writing the local cache failed.
    case storage(path: String, reason: String)
    /// No trusted targets metadata lists the target.
    case targetNotFound(String)
    /// A target path (or its hash prefix) with an empty, `.` or `..` part, which would name a
    /// file outside the repository.
    case unsafeTargetPath(String)

    /// The error as one line for people.
    public var description: String {
        switch self {
        case .invalidMetadata(let role, let error): return "\(role): invalid metadata: \(error)"
        case .thresholdNotMet(let role, let verification):
            return "\(role): signature threshold not met: \(verification.summary)"
        case .unexpectedVersion(let role, let expected, let found): return "\(role): expected version \(expected), found \(found)"
        case .rollback(let role, let trusted, let offered): return "\(role): version \(offered) is older than trusted version \(trusted)"
        case .expired(let role, let expires): return "\(role): expired on \(MetadataDate.format(expires))"
        case .lengthOrHashMismatch(let file, let error): return "\(file): \(error)"
        case .missingFromSnapshot(let role): return "\(role): not listed in snapshot"
        case .outOfOrder(let reason): return reason
        case .delegationMismatch(let role, let delegator):
            return "\(role): not signed by the keys \(delegator) delegates it to"
        case .rootBelowMinimum(let version, let minimum): return "root version \(version) is below the minimum \(minimum)"
        case .pinnedRootUnavailable(let pinned, let reached): return "pinned root version \(pinned) not available (reached \(reached))"
        case .pinnedDigestMismatch(let file): return "\(file): SHA-256 does not match the pinned digest"
        case .fetch(let error): return error.description
        case .storage(let path, let reason): return "\(path): \(reason)"
        case .targetNotFound(let path): return "\(path): no trusted targets metadata lists this target"
        case .unsafeTargetPath(let path):
            return "\(path): refusing a target path with an empty, . or .. part, or a hash prefix that is not hex"
        }
    }
}

extension FetchError {
    /// Whether the file passed its size cap (a sign of an attack or a broken repository, not of
    /// a network failure).
    public var isTooLarge: Bool {
        if case .tooLarge = self { return true }
        return false
    }
}

extension UpdateError {
    /// A disk failure met during an update.
    public init(_ error: StorageError) {
        self = .storage(path: error.path, reason: error.reason)
    }
}
