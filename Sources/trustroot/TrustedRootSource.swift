import Foundation
import Logging
import Sigstore
import SigstoreTUF
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
        guard !staging, fileSize(ClientLayout.rootPath(cache) + "/settings") != nil else { return nil }
        let provider = TrustedRootProvider(layout: ClientLayout(cache))
        var offline = try await ClientCommand.update(
            provider.layout,
            ClientCommand.UpdateMode(offline: true, allowExpired: true),
            quiet: true
        )
        try checkFreshness(offline.updater.trusted, provider)
        let target = try await CLIError.mapping { () async throws(ProviderError) in
            try await provider.clientTarget(name, session: &offline)
        }
        guard let target else { throw CLIError(provider.notListed(name, offline)) }
        return target
    }

    /// Refuses trusted metadata that has expired, naming the role and the date, unless
    /// ``allowExpired``; then warns with its age.
    func checkFreshness(_ trusted: TrustedMetadataSet?, _ provider: TrustedRootProvider) throws {
        guard allowExpired else {
            try CLIError.mapping { () throws(ProviderError) in try provider.checkFreshness(trusted) }
            return
        }
        guard let (role, date, others) = TrustedRootProvider.expiry(trusted) else { return }
        Logger(label: "trustroot").warning(
            "using a trusted root from a client whose \(role) metadata expired on \(MetadataDate.format(date)), \(TrustedRootProvider.describeAge(since: date)) ago\(others), because of --allow-expired-trusted-root"
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
