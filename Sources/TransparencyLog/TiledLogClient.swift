import Foundation
import Plumbing

/// Reads a C2SP tlog-tiles log under its URL prefix (`<prefix>/checkpoint`, `<prefix>/tile/…`),
/// over HTTP or from a folder, every answer bounded in size; or a C2SP static-ct-api log, whose
/// entries are in data tiles (`<prefix>/tile/data/…`).
///
/// Nothing it returns is verified: ``TileTree`` checks tiles and entries against a checkpoint
/// that a trusted key signed.
public struct TiledLogClient: Sendable {
    /// The largest answers accepted.
    public struct Limits: Sendable {
        /// The checkpoint, with its cosignatures.
        public var checkpointBytes = 1 << 16
        /// One entry bundle.
        public var entryBundleBytes = 1 << 23

        /// The default limits.
        public init() {}
    }

    /// How a log lays out its entries.
    public enum EntryFormat: Sendable {
        /// tlog-tiles entry bundles, `tile/entries/N`: each entry a two-byte length and its bytes.
        case entryBundles
        /// static-ct-api data tiles, `tile/data/N`: RFC 6962 `TileLeaf`s.
        case staticCT
    }

    /// The log's URL prefix.
    public let prefix: URL
    /// How the log lays out its entries.
    public let entryFormat: EntryFormat
    /// The largest answers accepted.
    public var limits: Limits
    let fetcher: any Fetcher

    /// A client for the log under `prefix`, fetching with `fetcher`.
    public init(prefix: URL, fetcher: any Fetcher, limits: Limits = Limits(), entryFormat: EntryFormat = .entryBundles) {
        self.prefix = prefix
        self.entryFormat = entryFormat
        self.fetcher = fetcher
        self.limits = limits
    }

    /// The log's current checkpoint, as served.
    public func checkpoint() async throws(LogError) -> [UInt8] {
        try await get("checkpoint", limit: limits.checkpointBytes)
    }

    /// The `width` hashes of the tile at `level`, `index`: a partial tile, or the first `width`
    /// hashes of the full one when the partial is gone because the tile has filled up since.
    public func tile(level: Int, index: Int64, width: Int) async throws(LogError) -> [UInt8] {
        let bytes = try await getPartial(
            TilePath.tile(level: level, index: index, width: width),
            full: TilePath.tile(level: level, index: index, width: TilePath.width),
            width: width,
            limit: 32 * TilePath.width
        )
        guard bytes.count == 32 * width || (width < TilePath.width && bytes.count == 32 * TilePath.width) else {
            throw LogError(
                .malformed,
                "the tile holds \(bytes.count) bytes, not \(width) hashes",
                at: url(TilePath.tile(level: level, index: index, width: width)).absoluteString
            )
        }
        return Array(bytes.prefix(32 * width))
    }

    /// The bytes of entry bundle `index`, `width` entries wide (or the full bundle when the
    /// partial one is gone).
    public func entryBundle(index: Int64, width: Int) async throws(LogError) -> (bytes: [UInt8], isFull: Bool) {
        let partial = entryPath(index: index, width: width)
        let full = entryPath(index: index, width: TilePath.width)
        if width == TilePath.width {
            let bytes = try await get(full, limit: limits.entryBundleBytes)
            return (bytes, true)
        }
        do {
            let bytes = try await get(partial, limit: limits.entryBundleBytes)
            return (bytes, false)
        } catch let error where error.kind == .notFound {
            let bytes = try await get(full, limit: limits.entryBundleBytes)
            return (bytes, true)
        }
    }

    /// The path of entry bundle or data tile `index`, `width` entries wide.
    public func entryPath(index: Int64, width: Int) -> String {
        switch entryFormat {
        case .entryBundles: return TilePath.entries(index: index, width: width)
        case .staticCT: return TilePath.dataTile(index: index, width: width)
        }
    }

    /// The URL of `relative` under the prefix.
    public func url(_ relative: String) -> URL {
        prefix.appendingPathComponent(relative)
    }

    func getPartial(_ partial: String, full: String, width: Int, limit: Int) async throws(LogError) -> [UInt8] {
        if width == TilePath.width { return try await get(full, limit: limit) }
        do {
            return try await get(partial, limit: limit)
        } catch let error where error.kind == .notFound {
            return try await get(full, limit: limit)
        }
    }

    func get(_ relative: String, limit: Int) async throws(LogError) -> [UInt8] {
        let url = url(relative)
        do {
            return try await fetcher.fetch(url, maximumBytes: limit)
        } catch {
            throw LogError(fetchFailure: error, at: url.absoluteString)
        }
    }
}

extension LogError {
    /// The log error a failed fetch from `location` is: a missing file is ``Kind/notFound``, an
    /// oversized answer ``Kind/malformed``, anything else ``Kind/unreachable``.
    public init(fetchFailure error: FetchError, at location: String) {
        switch error {
        case .httpStatus(_, let status) where error.isNotFound:
            self.init(.notFound, "the log has no such file (HTTP \(status))", at: location)
        case .tooLarge(_, let limit):
            self.init(.malformed, "the answer is larger than the \(limit)-byte limit", at: location)
        default:
            self.init(.unreachable, error.description)
        }
    }
}
