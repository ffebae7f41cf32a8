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
}
