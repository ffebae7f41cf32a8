import Foundation
import Logging
import Sigstore
import TUFClient

/// Where `verify` and `sign` take the trusted root from: the file given; else the
/// trusted_root.json a `trustroot client` refresh fetched (in the client folder); else the one
/// TrustRoot ships for Sigstore's public-good instance, with a warning.
struct TrustedRootSource: Equatable, Sendable {
    /// `--trusted-root FILE`.
    var file: String?
    /// `--staging`: without a file or client, the shipped staging root.
    var staging = false
    /// `--cache DIR`: the client folder (default $TRUSTROOT_CACHE, else ~/.cache/trustroot).
    var cache: String?

    /// A target the client's last refresh fetched and its trusted metadata still lists with the
    /// same length and hashes, or nil.
    func clientTarget(_ name: String) async throws -> URL? {
        // A plain stat first: with no client there, `verify` should not pay for building URLs.
        guard !staging, fileSize(ClientSettings.Layout.rootPath(cache) + "/settings") != nil else { return nil }
        let layout = ClientSettings.Layout(cache)
        // The client's copy, checked again against its trusted (cached) targets metadata.
        let (updater, _) = try await ClientCommand.update(layout, ClientCommand.UpdateMode(offline: true, allowExpired: true), quiet: true)
        var offline = updater
        let destination = layout.targets.appendingPathComponent(percentEncoded(name))
        guard let info = try? await offline.targetInfo(name), offline.isCached(info, at: destination) else { return nil }
        return destination
    }

    /// The trusted root, and where it came from.
    func load() async throws -> (TrustedRoot, String) {
        func parse(_ bytes: [UInt8], _ source: String) throws -> TrustedRoot {
            do {
                return try TrustedRoot(bytes: bytes)
            } catch {
                throw CLIError(message: "\(source): \(error)", code: .invalidData)
            }
        }
        if let file { return (try parse(try readFile(file, limit: 16 << 20), file), file) }
        if let destination = try await clientTarget("trusted_root.json") {
            return (try parse(try readFile(destination.path), destination.path), "\(destination.path) (from the client's last refresh)")
        }
        let known: KnownTrustedRoot = staging ? .staging : .production
        Logger(label: "trustroot").warning(
            "using the \(known.rawValue) trusted root shipped with trustroot \(trustRootVersion) (sigstore-python 4.5.1's copy); run `trustroot client init --known \(known.rawValue)` and `client get trusted_root.json` for the current one"
        )
        return (try parse(known.bytes, "shipped"), "shipped \(known.rawValue)")
    }
}
