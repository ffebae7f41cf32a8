import Foundation

/// A fetcher that fetches nothing: an updater given it works from its cache alone, and any
/// step that would need the network fails with a clear reason.
public struct OfflineFetcher: Fetcher {
    /// An offline fetcher.
    public init() {}

    /// Always fails: nothing may be fetched offline.
    public func fetch(_ url: URL, maximumBytes: Int) async throws(FetchError) -> [UInt8] {
        throw .transport(url: url.absoluteString, reason: "offline: not in the cache")
    }
}
