import Foundation

/// The trusted roots of Sigstore's public-good instances that TrustRoot ships (see
/// metadata/README.md for where they came from). They age: a client refresh gives the current one.
public enum KnownTrustedRoot: String, CaseIterable, Sendable {
    /// The production instance.
    case production = "sigstore"
    /// The staging instance.
    case staging = "sigstore-staging"

    /// The shipped file's bytes.
    public var bytes: [UInt8] {
        let encoded = self == .production ? EmbeddedTrustedRoots.sigstoreProduction : EmbeddedTrustedRoots.sigstoreStaging
        return Array(Data(base64Encoded: encoded)!)
    }

    /// The shipped trusted root, parsed.
    public func trustedRoot() throws(VerificationError) -> TrustedRoot { try TrustedRoot(bytes: bytes) }
}
