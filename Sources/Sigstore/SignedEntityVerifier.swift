import Foundation
import X509

/// Verifies signed entities against trusted material that may hold several trusted roots (the
/// public-good instance beside a private deployment): it picks the root whose certificate
/// authority issued the signing certificate and verifies everything against that root alone,
/// so that a log entry or timestamp trusted only by another root never vouches for it.
public struct SignedEntityVerifier: Sendable {
    /// One verifier per trusted root, in the material's order.
    public let verifiers: [BundleVerifier]

    /// A verifier over `material`'s roots, each requiring `thresholds` (by default what that
    /// root calls for: ``BundleVerifier/Thresholds/defaults(for:)``).
    public init(trustedMaterial material: some TrustedMaterial, thresholds: BundleVerifier.Thresholds? = nil) {
        verifiers = material.trustedRoots.map { BundleVerifier(trustedRoot: $0, thresholds: thresholds) }
    }

    /// A verifier over `material`'s roots, each requiring what that root calls for as
    /// `adjust` changes it (to raise one threshold and keep the others).
    public init(trustedMaterial material: some TrustedMaterial, adjustingThresholds adjust: (inout BundleVerifier.Thresholds) -> Void) {
        verifiers = material.trustedRoots.map { root in
            var thresholds = BundleVerifier.Thresholds.defaults(for: root)
            adjust(&thresholds)
            return BundleVerifier(trustedRoot: root, thresholds: thresholds)
        }
    }

    /// Verifies `entity` for `artifact` under `policy`, against the one root it belongs to.
    ///
    /// With a certificate, the roots tried are those with an authority whose issuing
    /// certificate signed it; with a managed key, every root in turn. The first root under
    /// which every check passes decides; if none does, the first root's failure is reported.
    @discardableResult
    public func verify(
        _ entity: some SignedEntity,
        artifact: BundleVerifier.Artifact,
        policy: BundleVerifier.Policy,
        now: Date = Date()
    ) async throws(VerificationError) -> BundleVerifier.Result {
        let candidates = try candidates(for: entity, policy: policy)
        var firstFailure: VerificationError?
        for verifier in candidates {
            do {
                return try await verifier.verify(entity, artifact: artifact, policy: policy, now: now)
            } catch {
                firstFailure = firstFailure ?? error
            }
        }
        throw firstFailure ?? VerificationError(.trustedRoot, "there is no trusted root to verify against")
    }

    /// The verifiers of the roots `entity` may belong to.
    func candidates(for entity: some SignedEntity, policy: BundleVerifier.Policy) throws(VerificationError) -> [BundleVerifier] {
        guard verifiers.count > 1, case .identity = policy, let leaf = entity.leafCertificate else { return verifiers }
        let issuing = verifiers.filter { verifier in
            verifier.trustedRoot.certificateAuthorities.contains { authority in
                authority.certificates.first.map { $0.subject == leaf.issuer && $0.publicKey.isValidSignature(leaf.signature, for: leaf) }
                    ?? false
            }
        }
        guard !issuing.isEmpty else {
            throw VerificationError(
                .certificateChain,
                "no trusted root has the certificate authority that issued the signing certificate (issuer \(leaf.issuer))"
            )
        }
        return issuing
    }
}
