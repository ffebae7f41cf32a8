import Foundation

/// Fetches `file://` URLs inside one folder, as a server would serve it: no symbolic link is
/// followed, no path leaves the folder, and a missing file reads as HTTP 404.
public struct FolderFetcher: Fetcher {
    /// The folder.
    public let folder: ConfinedDirectory
    /// The folder's URL, the prefix every fetched URL must have.
    public var baseURL: URL { URL(fileURLWithPath: folder.path, isDirectory: true) }

    /// A fetcher for the folder at `path`, which must exist.
    public init(path: String) throws(FetchError) {
        let opened: ConfinedDirectory?
        do {
            opened = try ConfinedDirectory.open(path)
        } catch {
            throw .transport(url: path, reason: error.reason)
        }
        guard let opened else { throw .transport(url: path, reason: "no such folder") }
        folder = opened
    }

    /// Reads the file `url` names inside the folder, refusing one larger than `maximumBytes`.
    public func fetch(_ url: URL, maximumBytes: Int) async throws(FetchError) -> [UInt8] {
        let root = folder.path.hasSuffix("/") ? folder.path : folder.path + "/"
        guard url.isFileURL, url.path.hasPrefix(root) else {
            throw .transport(url: url.absoluteString, reason: "not a file in \(folder.path)")
        }
        let relative = String(url.path.dropFirst(root.count))
        do {
            guard let bytes = try folder.read(relative, limit: maximumBytes) else {
                throw FetchError.httpStatus(url: url.absoluteString, status: 404)
            }
            return bytes
        } catch let error as FetchError {
            throw error
        } catch let error as ConfinedDirectory.Error {
            if case .tooLarge = error.kind { throw .tooLarge(url: url.absoluteString, limit: maximumBytes) }
            throw .transport(url: url.absoluteString, reason: error.reason)
        } catch {
            throw .transport(url: url.absoluteString, reason: "\(error)")
        }
    }
}
