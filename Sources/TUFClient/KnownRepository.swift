import Foundation

/// A public TUF repository whose initial root TrustRoot ships, so a client can start trusting
/// it without finding a root file first.
public struct KnownRepository: Sendable {
    /// The short name used on the command line.
    public let name: String
    /// The repository's metadata URL.
    public let metadataURL: URL
    /// The repository's targets URL.
    public let targetsURL: URL
    /// The shipped root metadata, exactly as published.
    public let rootBytes: [UInt8]

    /// Sigstore's public-good production instance.
    public static let sigstore = KnownRepository(
        name: "sigstore",
        host: "https://tuf-repo-cdn.sigstore.dev",
        base64Root: EmbeddedRoots.sigstoreProduction
    )

    /// Sigstore's public-good staging instance.
    public static let sigstoreStaging = KnownRepository(
        name: "sigstore-staging",
        host: "https://tuf-repo-cdn.sigstage.dev",
        base64Root: EmbeddedRoots.sigstoreStaging
    )

    /// Every repository TrustRoot ships a root for.
    public static let all = [sigstore, sigstoreStaging]

    /// The repository called `name`, if TrustRoot knows it.
    public static func named(_ name: String) -> KnownRepository? {
        all.first { $0.name == name }
    }

    private init(name: String, host: String, base64Root: String) {
        self.name = name
        metadataURL = URL(string: host)!
        targetsURL = URL(string: "\(host)/targets")!
        // The generator writes valid base64; a failure here is a build defect, caught by tests.
        rootBytes = Array(Data(base64Encoded: base64Root) ?? Data())
    }
}
