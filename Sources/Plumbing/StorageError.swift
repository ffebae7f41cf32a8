/// A file that could not be written, replaced or removed: which one, and what the system said.
///
/// The plumbing's own error, so that each caller reports a disk failure as its own kind of
/// failure (a client's update, a ceremony step) instead of borrowing another module's.
public struct StorageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file the operation was for.
    public let path: String
    /// What went wrong, with the system's reason.
    public let reason: String

    /// A failure of the operation on `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// The failure as one line for people.
    public var description: String { "\(path): \(reason)" }
}
