import Foundation

/// How the updater gets bytes: the one place transport lives, so the update logic knows none.
public protocol Fetcher: Sendable {
    /// The whole content at `url`, which must not exceed `maximumBytes`.
    ///
    /// Implementations must stop reading as soon as more than `maximumBytes` arrive and throw
    /// ``FetchError/tooLarge(url:limit:)``; a missing file is ``FetchError/httpStatus(url:status:)``
    /// with 404.
    func fetch(_ url: URL, maximumBytes: Int) async throws(FetchError) -> [UInt8]
}
