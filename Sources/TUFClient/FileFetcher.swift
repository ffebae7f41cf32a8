import Foundation

/// Fetches `file://` URLs, for repositories copied to removable media or a local mirror.
///
/// A missing file reads as HTTP 404, so the updater treats a local mirror as it treats a server.
public struct FileFetcher: Fetcher {
    /// A file fetcher.
    public init() {}

    /// Reads the file at `url`, refusing one larger than `maximumBytes`.
    public func fetch(_ url: URL, maximumBytes: Int) async throws(FetchError) -> [UInt8] {
        guard url.isFileURL else { throw .transport(url: url.absoluteString, reason: "not a file URL") }
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw .httpStatus(url: url.absoluteString, status: 404)
        }
        defer { try? handle.close() }
        let data: Data?
        do {
            data = try handle.read(upToCount: maximumBytes < Int.max ? maximumBytes + 1 : Int.max)
        } catch {
            throw .transport(url: url.absoluteString, reason: "read failed: \(error.localizedDescription)")
        }
        let bytes = Array(data ?? Data())
        if bytes.count > maximumBytes { throw .tooLarge(url: url.absoluteString, limit: maximumBytes) }
        return bytes
    }
}
