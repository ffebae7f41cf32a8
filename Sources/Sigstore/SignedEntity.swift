import X509

/// What a verifier checks, whatever carries it: a signature and what it covers, who signed
/// (a certificate or a managed key), and the evidence that it existed at a time, namely
/// transparency-log entries and RFC 3161 timestamps (sigstore-go's `SignedEntity`).
///
/// A Sigstore bundle is one; a cosign image signature or a bare log entry can be others, built
/// from their own parts without writing bundle JSON. ``BundleVerifier`` verifies any of them.
public protocol SignedEntity: Sendable {
    /// The signing certificate first, then any intermediates carried; empty when a managed key
    /// signed.
    var certificates: [Certificate] { get }
    /// The signing certificate's DER exactly as carried, which a log entry must name byte for
    /// byte; nil when there is no certificate.
    var leafCertificateDER: [UInt8]? { get }
    /// The base64 text of the signing certificate as carried, when it was carried as text: a
    /// PEM block in a log entry must then hold the same text.
    var leafCertificateBase64: [UInt8]? { get }
    /// The signature and what it covers.
    var content: SigstoreBundle.Content { get }
    /// Transparency-log entries.
    var transparencyLogEntries: [TransparencyLogEntry] { get }
    /// RFC 3161 timestamp tokens (DER).
    var timestamps: [[UInt8]] { get }
}

extension SignedEntity {
    /// The signing certificate, if a certificate signed.
    public var leafCertificate: Certificate? { certificates.first }

    /// The signing certificate's DER, serialized from ``certificates``.
    public var leafCertificateDER: [UInt8]? { certificates.first.map(BundleVerifier.der) }

    /// No base64 text: the certificate was not carried as text.
    public var leafCertificateBase64: [UInt8]? { nil }

    /// Whether the content is a DSSE envelope.
    var isEnvelope: Bool {
        if case .envelope = content { return true }
        return false
    }

    /// The one signature the content holds.
    func signatureBytes() throws(VerificationError) -> [UInt8] {
        switch content {
        case .messageSignature(let signature, _, _): return signature
        case .envelope(let envelope):
            guard envelope.signatures.count == 1 else {
                throw VerificationError(.envelope, "the envelope has \(envelope.signatures.count) signatures; exactly one is supported")
            }
            return envelope.signatures[0].signature
        }
    }
}

extension SigstoreBundle: SignedEntity {}
