import Foundation
import X509

/// Whether each authority of a trusted root has certificates that form a chain (each signed by
/// the next), worked out the first time the authority is needed and then remembered.
///
/// A verifier thus checks each authority's own chain at most once however many bundles it
/// verifies, and a single verification pays only for the authorities it uses: the public-good
/// root's timestamp authority costs a P-384 verification that a bundle without timestamps
/// never needs.
final class AuthorityChainChecks: @unchecked Sendable {
    /// Which list of the trusted root an authority is in.
    enum Kind {
        case certificateAuthority
        case timestampAuthority
    }

    private let lock = NSLock()
    private var certificateAuthorities: [Bool?]
    private var timestampAuthorities: [Bool?]

    /// Nothing checked yet for `trustedRoot`'s authorities.
    init(_ trustedRoot: TrustedRoot) {
        certificateAuthorities = Array(repeating: nil, count: trustedRoot.certificateAuthorities.count)
        timestampAuthorities = Array(repeating: nil, count: trustedRoot.timestampAuthorities.count)
    }

    /// Whether `authority`, the `index`th of its kind, has certificates that form a chain.
    func chainLinks(_ kind: Kind, _ index: Int, _ authority: TrustedRoot.Authority) -> Bool {
        if let known = lock.withLock({ kind == .certificateAuthority ? certificateAuthorities[index] : timestampAuthorities[index] }) {
            return known
        }
        // Checked outside the lock: two threads may both check a chain the first time, with the
        // same answer, rather than one waiting on the other's signature verification.
        let links = Self.chainLinks(authority.certificates)
        lock.withLock {
            if kind == .certificateAuthority { certificateAuthorities[index] = links } else { timestampAuthorities[index] = links }
        }
        return links
    }

    /// Whether each certificate is signed by the next.
    static func chainLinks(_ certificates: [Certificate]) -> Bool {
        zip(certificates, certificates.dropFirst()).allSatisfy { child, parent in
            child.issuer == parent.subject && parent.publicKey.isValidSignature(child.signature, for: child)
        }
    }
}
