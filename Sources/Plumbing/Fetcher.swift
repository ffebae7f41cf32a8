import Foundation

/// How the updater gets bytes: the one place transport lives, so the update logic knows none.
public protocol Fetcher: Sendable {
    /// The whole content at `url`, which must not exceed `maximumBytes`.
    ///
    /// Implementations must stop reading as soon as more than `maximumBytes` arrive and throw
    /// ``FetchError/tooLarge(url:limit:)``; a missing file is ``FetchError/httpStatus(url:status:)``
    /// with 404.
    func fetch(_ url: URL, maximumBytes: Int) async throws(FetchError) -> [UInt8]

    /// ``fetch(_:maximumBytes:)``, telling `progress` how many bytes have arrived as they arrive,
    /// for a person watching a long download.
    func fetch(_ url: URL, maximumBytes: Int, progress: @escaping @Sendable (Int) -> Void) async throws(FetchError) -> [UInt8]

    /// Gets ready, without waiting and without a request, to fetch from `url`'s server soon:
    /// a transport may set up what its first request would otherwise set up on the way.
    func prepare(for url: URL)

    /// ``prepare(for:)`` before the server is known: a transport may set up what every server's
    /// requests would share, and nothing when that depends on the server.
    func prepare()
}

extension Fetcher {
    /// Nothing to get ready.
    public func prepare(for url: URL) {}

    /// Nothing to get ready.
    public func prepare() {}

    /// Reports the whole body once it has arrived, for transports that cannot say sooner.
    public func fetch(_ url: URL, maximumBytes: Int, progress: @escaping @Sendable (Int) -> Void) async throws(FetchError) -> [UInt8] {
        let bytes = try await fetch(url, maximumBytes: maximumBytes)
        progress(bytes.count)
        return bytes
    }
}
