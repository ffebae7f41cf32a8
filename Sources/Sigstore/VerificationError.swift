/// Why a bundle was not verified: the check that failed and what it found.
public struct VerificationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The checks a verification makes, in the order it makes them.
    public enum Check: String, Sendable, CaseIterable {
        /// The bundle is well-formed and of a known version.
        case bundle
        /// The trusted root is well-formed.
        case trustedRoot = "trusted root"
        /// The managed key given matches the bundle.
        case key = "public key"
        /// A transparency-log entry names a log the trusted root knows, at a time it was valid.
        case transparencyLog = "transparency log"
        /// The entry's body records this bundle's signature, key and artifact.
        case entryBody = "log entry body"
        /// The entry's inclusion proof leads to the checkpoint's root hash.
        case inclusionProof = "inclusion proof"
        /// The checkpoint is signed by the log.
        case checkpoint
        /// The log's integration time is plausible.
        case integratedTime = "integrated time"
        /// The signed entry timestamp (the log's promise of inclusion) verifies.
        case signedEntryTimestamp = "signed entry timestamp"
        /// An RFC 3161 timestamp verifies and covers the signature.
        case timestamp = "RFC 3161 timestamp"
        /// There is a verified time to check the certificate at.
        case verifiedTime = "verified time"
        /// The signing certificate chains to a trusted certificate authority at each verified time.
        case certificateChain = "certificate chain"
        /// The certificate carries a valid signed certificate timestamp from a trusted CT log.
        case signedCertificateTimestamp = "signed certificate timestamp"
        /// The certificate's identity and issuer are the expected ones.
        case identity = "identity policy"
        /// The signature over the artifact (or its digest) verifies.
        case signature = "artifact signature"
        /// The DSSE envelope's signature verifies and its statement names the artifact.
        case envelope = "DSSE envelope"
    }

    /// The check that failed.
    public let check: Check
    /// What was wrong.
    public let reason: String

    /// A failure of `check`.
    public init(_ check: Check, _ reason: String) {
        self.check = check
        self.reason = reason
    }

    /// The failure as one line: the check, then the reason.
    public var description: String { "\(check.rawValue): \(reason)" }
}
