import Plumbing
import Sigstore

/// Why no bundle was written: the step that failed and what was wrong. A signer stops at the
/// first failure, before anything is written.
public struct SigningError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The steps of signing, in order.
    public enum Step: String, Sendable, CaseIterable {
        /// The signing configuration or the trusted root given to the signer.
        case configuration
        /// What is to be signed: an in-toto statement must be one.
        case input = "in-toto statement"
        /// The OIDC identity token: its form, its expiry, or fetching it.
        case identityToken = "identity token"
        /// The managed key.
        case key
        /// The certificate authority (Fulcio): its answer, the chain, the SCT.
        case certificateAuthority = "certificate authority"
        /// The transparency log (Rekor): its answer, the entry, the proof.
        case transparencyLog = "transparency log"
        /// The timestamp authority: its answer and the token.
        case timestampAuthority = "timestamp authority"
        /// The final check of the whole bundle against the trusted root.
        case verification
    }

    /// The step that failed.
    public let step: Step
    /// What was wrong.
    public let reason: String
    /// Whether a service could not be reached or answered with an error status, rather than
    /// answering with something untrustworthy: worth retrying later.
    public let isServiceUnavailable: Bool

    /// A failure of `step`.
    public init(_ step: Step, _ reason: String, serviceUnavailable: Bool = false) {
        self.step = step
        self.reason = reason
        self.isServiceUnavailable = serviceUnavailable
    }

    /// A failure of `step` caused by a verification error.
    init(_ step: Step, _ error: VerificationError) {
        self.init(step, error.description)
    }

    /// A failure of `step` caused by a transport error.
    init(_ step: Step, _ error: FetchError) {
        self.init(step, error.description, serviceUnavailable: true)
    }

    /// The failure as one line: the step, then the reason.
    public var description: String { "\(step.rawValue): \(reason)" }
}
