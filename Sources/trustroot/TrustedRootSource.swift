import Foundation
import Logging
import Sigstore
import TUF
import TUFClient

/// Where `verify` and `sign` take the trusted root from: the files given (trusted roots or
/// client trust configs; `verify` takes several, each used on its own); else the
/// trusted_root.json a `trustroot client` refresh fetched (in the client folder); else the one
/// TrustRoot ships for Sigstore's public-good instance, with a warning.
struct TrustedRootSource: Equatable, Sendable {
    /// `--trusted-root FILE`, as often as given.
    var files: [String] = []
    /// `--staging`: without a file or client, the shipped staging root.
    var staging = false
    /// `--cache DIR`: the client folder (default $TRUSTROOT_CACHE, else ~/.cache/trustroot).
    var cache: String?

    /// `--allow-expired-trusted-root`: take the client's copy even when its trusted metadata has
    /// expired (a refresh that keeps failing), with a warning that says how old it is.
    var allowExpired = false

    /// The bytes and path of a target the client's last refresh fetched, read once and checked
    /// against the length and hashes its trusted metadata lists; nil when there is no client.
    ///
    /// A client that lacks the file is refused rather than skipped: falling back to another
    /// deployment's root would verify against the wrong trust anchors.
    ///
    /// - Throws: when the client's trusted metadata has expired (unless ``allowExpired``):
    ///   someone who blocks refreshes must not keep verifiers on an old, revoked root; when the
    ///   client's repository lists no such target, or the refresh has not fetched it.
    func clientTarget(_ name: String) async throws -> (bytes: [UInt8], path: String)? {
        // A plain stat first: with no client there, `verify` should not pay for building URLs.
        guard !staging, fileSize(ClientSettings.Layout.rootPath(cache) + "/settings") != nil else { return nil }
        let layout = ClientSettings.Layout(cache)
        var offline = try await ClientCommand.update(layout, ClientCommand.UpdateMode(offline: true, allowExpired: true), quiet: true)
        try checkFreshness(offline.updater.trusted, cache: layout.root.path)
        let file = caseSafeFileName(name)
        let path = layout.targets.appendingPathComponent(file).path
        let listed: TargetFile?
        do {
            listed = try await offline.updater.targetInfo(name)
        } catch {
            throw CLIError(error)
        }
        guard let info = listed else {
            throw CLIError(
                message:
                    "\(layout.root.path): the client's repository (\(offline.settings.metadataURL.absoluteString)) lists no \(name): give the file with \(name == "trusted_root.json" ? "--trusted-root" : "--signing-config")",
                code: .notFound
            )
        }
        let bytes: [UInt8]?
        do {
            bytes = try ConfinedDirectory.open(layout.targets.path)?.read(file, limit: min(info.length, 64 << 20))
        } catch {
            throw CLIError(error)
        }
        guard let bytes else {
            throw CLIError(
                message: "\(path): the client has not fetched \(name) yet: run `trustroot client refresh --cache \(layout.root.path)`",
                code: .noInput
            )
        }
        guard (try? info.verify(bytes)) != nil else {
            throw CLIError(
                message:
                    "\(path): does not match the length and hashes the client's trusted targets metadata lists: run `trustroot client refresh --cache \(layout.root.path)`",
                code: .verificationFailed
            )
        }
        return (bytes, path)
    }

    /// Refuses trusted metadata that has expired, naming the role and the date, unless
    /// ``allowExpired``; then warns with its age.
    func checkFreshness(_ trusted: TrustedMetadataSet?, cache: String) throws {
        guard let trusted else { return }
        let expired = trusted.expirations(at: Date())
        guard let (role, date) = expired.min(by: { $0.expires < $1.expires }) else { return }
        let age = ClientCommand.describeAge(since: date)
        let others = expired.count > 1 ? " (also expired: \(expired.map(\.role).filter { $0 != role }.joined(separator: ", ")))" : ""
        guard allowExpired else {
            throw CLIError(
                message:
                    "\(cache): the client's trusted \(role) metadata expired on \(MetadataDate.format(date)), \(age) ago\(others): run `trustroot client refresh`, or pass --allow-expired-trusted-root to use the old trusted root anyway",
                code: .verificationFailed
            )
        }
        Logger(label: "trustroot").warning(
            "using a trusted root from a client whose \(role) metadata expired on \(MetadataDate.format(date)), \(age) ago\(others), because of --allow-expired-trusted-root"
        )
    }

    /// The trusted root, and where it came from; more than one `--trusted-root` is refused.
    func load() async throws -> (TrustedRoot, String) {
        let (material, source) = try await loadMaterial()
        guard material.trustedRoots.count == 1 else {
            throw CLIError(message: "give one --trusted-root: signing is against one trusted root", code: .usage)
        }
        return (material.trustedRoots[0], source)
    }

    /// The trusted roots (one unless several files were given), and where they came from.
    func loadMaterial() async throws -> (TrustedRootSet, String) {
        func parse(_ bytes: [UInt8], _ source: String) throws -> TrustedRoot {
            do {
                return try TrustedRoot(bytes: bytes)
            } catch {
                throw CLIError(message: "\(source): \(error)", code: .invalidData)
            }
        }
        if !files.isEmpty {
            return (TrustedRootSet(try files.map { try parse(try readFile($0, limit: 16 << 20), $0) }), files.joined(separator: ", "))
        }
        if let (bytes, path) = try await clientTarget("trusted_root.json") {
            return (TrustedRootSet([try parse(bytes, path)]), "\(path) (from the client's last refresh)")
        }
        // Without a file or a client: the public-good (or staging) root shipped with trustroot.
        let known: KnownTrustedRoot = staging ? .staging : .production
        Logger(label: "trustroot").warning(
            "no --trusted-root and no client: using the \(known.rawValue) trusted root shipped with trustroot \(trustRootVersion) (sigstore-python 4.5.1's copy); for the current one run `trustroot client init --known \(known.rawValue)` and `trustroot client refresh`, or for your own deployment init a client from its root"
        )
        return (TrustedRootSet([try parse(known.bytes, "shipped")]), "shipped \(known.rawValue)")
    }
}
