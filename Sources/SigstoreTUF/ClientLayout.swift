import Foundation
import TUFClient

/// The folder a TUF client for a Sigstore deployment keeps: the trusted metadata, the targets
/// it fetched (`trusted_root.json`, `signing_config.v0.2.json`), and its settings.
public struct ClientLayout: Sendable, Equatable {
    /// The client folder.
    public let root: URL
    /// The trusted metadata, and nothing else named `*.json`.
    public var metadata: URL { root.appendingPathComponent("metadata") }
    /// The targets fetched.
    public var targets: URL { root.appendingPathComponent("targets") }
    /// The settings ``ClientSettings`` keeps.
    public var settings: URL { root.appendingPathComponent("settings") }

    /// The client folder `path`, else `$TRUSTROOT_CACHE`, else `~/.cache/trustroot`.
    public init(_ path: String?) {
        root = URL(fileURLWithPath: Self.rootPath(path))
    }

    /// The client folder's path: `path`, else `$TRUSTROOT_CACHE`, else `~/.cache/trustroot`.
    public static func rootPath(_ path: String?) -> String {
        path ?? ProcessInfo.processInfo.environment["TRUSTROOT_CACHE"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/trustroot").path
    }

    /// Where the client keeps the target `name`.
    public func target(_ name: String) -> URL { targets.appendingPathComponent(caseSafeFileName(name)) }

    /// The client folder's `metadata` folder, opened without following a link in its place;
    /// `nil` when it is absent and not `creating`.
    ///
    /// The client folder itself is the user's choice and may be a link; what lies inside it is
    /// the client's own, so a link planted there is refused rather than read or written through.
    ///
    /// - Throws: ``ProviderError/Kind/file(_:)`` when a link or something other than a folder
    ///   stands there, or the folder cannot be opened or created.
    public func metadataFolder(creating: Bool) throws(ProviderError) -> ConfinedDirectory? {
        try subfolder("metadata", creating: creating)
    }

    /// The client folder's `targets` folder, opened as ``metadataFolder(creating:)`` opens
    /// `metadata`.
    public func targetsFolder(creating: Bool) throws(ProviderError) -> ConfinedDirectory? {
        try subfolder("targets", creating: creating)
    }

    /// The cache of trusted metadata in ``metadataFolder(creating:)``: created when absent if
    /// `creating`; otherwise an absent one is a client with nothing to read, and nothing is made,
    /// as a command that only reads must not.
    public func metadataCache(creating: Bool = true) throws(ProviderError) -> MetadataCache {
        guard let folder = try metadataFolder(creating: creating) else {
            guard creating else {
                throw ProviderError(.noClient, "\(metadata.path): no trusted metadata here; run `trustroot client init` first")
            }
            throw ProviderError(.storage, "\(metadata.path): cannot create folder")
        }
        return MetadataCache(folder: folder)
    }

    /// The folder `name` inside the client folder, reached without following a link.
    private func subfolder(_ name: String, creating: Bool) throws(ProviderError) -> ConfinedDirectory? {
        do {
            let client = creating ? try ConfinedDirectory.create(root.path) : try ConfinedDirectory.open(root.path)
            return try client?.folder(name, creating: creating)
        } catch {
            throw ProviderError(.file(error), error.description)
        }
    }
}
