import Foundation

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

    /// How far a verification got before it failed.
    public struct Progress: Sendable {
        /// The checks that applied and passed, in the order they were made.
        public var checks: [Check] = []
        /// The times verified so far, with where each came from.
        public var verifiedTimes: [(source: String, time: Date)] = []

        /// Nothing yet.
        public init() {}

        /// Records `passed` checks not yet recorded, in order.
        mutating func pass(_ passed: Check...) { pass(passed) }

        /// Records `passed` checks not yet recorded, in order.
        mutating func pass(_ passed: [Check]) {
            for check in passed where !checks.contains(check) { checks.append(check) }
        }
    }

    /// The check that failed.
    public let check: Check
    /// What was wrong.
    public let reason: String
    /// How far the verification got, when a ``BundleVerifier`` reports it.
    public internal(set) var progress: Progress?

    /// A failure of `check`.
    public init(_ check: Check, _ reason: String) {
        self.check = check
        self.reason = reason
    }

    /// Two failures are equal when the same check failed for the same reason, however far
    /// each verification got.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.check == rhs.check && lhs.reason == rhs.reason }

    /// The failure as one line: the check, then the reason.
    public var description: String { "\(check.rawValue): \(reason)" }
}
