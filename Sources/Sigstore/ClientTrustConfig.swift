import TUF

/// A protobuf-specs `ClientTrustConfig`: a trusted root and the signing config of the same
/// deployment in one file, as sigstore-python's `--trust-config` takes it. ``TrustedRoot`` reads
/// one wherever it reads a trusted root; `SigningConfig` reads its signing config.
public struct ClientTrustConfig: Sendable {
    /// The media type's prefix (`application/vnd.dev.sigstore.clienttrustconfig.v0.1+json`).
    public static let mediaTypePrefix = "application/vnd.dev.sigstore.clienttrustconfig"

    /// The trusted root.
    public var trustedRoot: TrustedRoot
    /// The signing config as JSON, for `SigningConfig` to read; nil when the file has none.
    public var signingConfig: [UInt8]?

    /// Reads a client trust config.
    public init(bytes: [UInt8]) throws(VerificationError) {
        let document = try ProtoObject(parsing: bytes, what: "client trust config", check: .trustedRoot)
        let mediaType = try document.string("mediaType")
        guard mediaType.hasPrefix(Self.mediaTypePrefix) else {
            throw VerificationError(.trustedRoot, "\(mediaType) is not a client trust config's media type")
        }
        trustedRoot = try TrustedRoot(object: try document.object("trustedRoot"))
        signingConfig = try document.optionalObject("signingConfig").map { JSONWriter.prettyPrinted(.object($0.object)) }
    }
}
