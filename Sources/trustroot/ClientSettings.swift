import Foundation
import TUF
import TUFClient

/// What `client init` records beside the trusted metadata: where the repository is, the pins,
/// and when the last refresh succeeded. Kept in `settings` (not a `.json` name, so the metadata
/// folder holds nothing but metadata).
struct ClientSettings {
    var metadataURL: URL
    var targetsURL: URL
    var minimumRootVersion: Int?
    var pinnedRootVersion: Int?
    var lastRefresh: Date?

    /// The layout of a client cache folder.
    struct Layout {
        let root: URL
        var metadata: URL { root.appendingPathComponent("metadata") }
        var targets: URL { root.appendingPathComponent("targets") }
        var settings: URL { root.appendingPathComponent("settings") }

        /// `--cache`, else `$TRUSTROOT_CACHE`, else `~/.cache/trustroot`.
        init(_ option: String?) {
            root = URL(fileURLWithPath: Self.rootPath(option))
        }

        /// The client folder's path: `--cache`, else `$TRUSTROOT_CACHE`, else `~/.cache/trustroot`.
        static func rootPath(_ option: String?) -> String {
            option ?? ProcessInfo.processInfo.environment["TRUSTROOT_CACHE"]
                ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/trustroot").path
        }
    }

    static func load(_ layout: Layout) throws(CLIError) -> ClientSettings {
        guard FileManager.default.fileExists(atPath: layout.settings.path) else {
            throw CLIError(message: "\(layout.root.path): no client here; run `trustroot client init` first", code: .noInput)
        }
        let bytes = try readFile(layout.settings.path, limit: 1 << 16)
        guard let object = try? JSONParser().parse(bytes).objectValue,
            let metadata = object["metadata_url"]?.stringValue.flatMap(URL.init(string:)),
            let targets = object["targets_url"]?.stringValue.flatMap(URL.init(string:))
        else {
            throw CLIError(message: "\(layout.settings.path): unreadable client settings", code: .invalidData)
        }
        return ClientSettings(
            metadataURL: metadata,
            targetsURL: targets,
            minimumRootVersion: object["min_root_version"]?.integerValue.map(Int.init),
            pinnedRootVersion: object["pin_root_version"]?.integerValue.map(Int.init),
            lastRefresh: object["last_refresh"]?.stringValue.flatMap(MetadataDate.parse)
        )
    }

    func save(_ layout: Layout) throws(CLIError) {
        var object = JSONObject()
        object["metadata_url"] = .string(metadataURL.absoluteString)
        object["targets_url"] = .string(targetsURL.absoluteString)
        if let minimumRootVersion { object["min_root_version"] = .integer(Int64(minimumRootVersion)) }
        if let pinnedRootVersion { object["pin_root_version"] = .integer(Int64(pinnedRootVersion)) }
        if let lastRefresh { object["last_refresh"] = .string(MetadataDate.format(lastRefresh)) }
        do {
            try AtomicFile.write(JSONWriter.prettyPrinted(.object(object)), to: layout.settings)
        } catch {
            throw CLIError(error)
        }
    }
}
