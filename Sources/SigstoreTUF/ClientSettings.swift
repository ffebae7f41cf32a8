import Foundation
import TUF
import TUFClient

/// What a client records beside its trusted metadata: where the repository is, the pins, and
/// when the last refresh succeeded. Kept in `settings` (not a `.json` name, so the metadata
/// folder holds nothing but metadata).
public struct ClientSettings: Sendable, Equatable {
    /// The repository's metadata URL.
    public var metadataURL: URL
    /// The repository's targets URL.
    public var targetsURL: URL
    /// The lowest root version the client accepts.
    public var minimumRootVersion: Int?
    /// The root version the client is pinned to.
    public var pinnedRootVersion: Int?
    /// When the last refresh succeeded.
    public var lastRefresh: Date?

    /// Settings for a repository at these URLs.
    public init(
        metadataURL: URL,
        targetsURL: URL,
        minimumRootVersion: Int? = nil,
        pinnedRootVersion: Int? = nil,
        lastRefresh: Date? = nil
    ) {
        self.metadataURL = metadataURL
        self.targetsURL = targetsURL
        self.minimumRootVersion = minimumRootVersion
        self.pinnedRootVersion = pinnedRootVersion
        self.lastRefresh = lastRefresh
    }

    /// The settings of the client in `layout`.
    public static func load(_ layout: ClientLayout) throws(ProviderError) -> ClientSettings {
        let bytes: [UInt8]?
        do {
            bytes = try ConfinedDirectory.open(layout.root.path)?.read("settings", limit: 1 << 16)
        } catch {
            throw ProviderError(.file(error), error.description)
        }
        guard let bytes else {
            throw ProviderError(.noClient, "\(layout.root.path): no client here; run `trustroot client init` first")
        }
        guard let object = try? JSONParser().parse(bytes).objectValue,
            let metadata = object["metadata_url"]?.stringValue.flatMap(URL.init(string:)),
            let targets = object["targets_url"]?.stringValue.flatMap(URL.init(string:))
        else {
            throw ProviderError(.unreadableSettings, "\(layout.settings.path): unreadable client settings")
        }
        return ClientSettings(
            metadataURL: metadata,
            targetsURL: targets,
            minimumRootVersion: object["min_root_version"]?.integerValue.map(Int.init),
            pinnedRootVersion: object["pin_root_version"]?.integerValue.map(Int.init),
            lastRefresh: object["last_refresh"]?.stringValue.flatMap(MetadataDate.parse)
        )
    }

    /// Writes the settings into `layout`, atomically.
    public func save(_ layout: ClientLayout) throws(ProviderError) {
        var object = JSONObject()
        object["metadata_url"] = .string(metadataURL.absoluteString)
        object["targets_url"] = .string(targetsURL.absoluteString)
        if let minimumRootVersion { object["min_root_version"] = .integer(Int64(minimumRootVersion)) }
        if let pinnedRootVersion { object["pin_root_version"] = .integer(Int64(pinnedRootVersion)) }
        if let lastRefresh { object["last_refresh"] = .string(MetadataDate.format(lastRefresh)) }
        do {
            try AtomicFile.write(JSONWriter.prettyPrinted(.object(object)), to: layout.settings)
        } catch {
            throw ProviderError(.update(UpdateError(error)), error.description)
        }
    }
}
