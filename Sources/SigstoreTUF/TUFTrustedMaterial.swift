import Sigstore
import TUFClient

/// A deployment's trusted root and signing config as its TUF repository vouches for them: what
/// ``TrustedRootProvider`` returns, usable wherever trusted material is.
public struct TUFTrustedMaterial: TrustedMaterial {
    /// The trusted root.
    public let trustedRoot: TrustedRoot
    /// Where the client keeps it.
    public let trustedRootPath: String
    /// The signing config's bytes, when the repository lists one (for `SigningConfig`).
    public let signingConfig: [UInt8]?
    /// The trusted metadata that vouched for them.
    public let trustedMetadata: TrustedMetadataSet?

    /// The one trusted root.
    public var trustedRoots: [TrustedRoot] { [trustedRoot] }
}
