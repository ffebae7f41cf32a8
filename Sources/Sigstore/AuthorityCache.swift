import Crypto
import Foundation
import X509

/// What a verifier works out once per authority of its trusted root, the first time the
/// authority is needed: whether the authority's certificates form a chain (each signed by the
/// next), the hash of a certificate authority's issuing key, which every SCT signs over, and
/// the certificate store a signing certificate's chain check starts from.
///
/// A verifier thus checks each authority's own chain at most once however many bundles it
/// verifies, and a single verification pays only for the authorities it uses: the public-good
/// root's timestamp authority costs a P-384 verification that a bundle without timestamps
/// never needs. The key hash needs the key's encoding, and exporting a P-384 point costs a
/// field inversion, a visible share of one whole verification.
final class AuthorityCache: @unchecked Sendable {
    /// Which list of the trusted root an authority is in.
    enum Kind {
        case certificateAuthority
        case timestampAuthority
    }

    private let lock = NSLock()
    private var certificateAuthorityLinks: [Bool?]
    private var timestampAuthorityLinks: [Bool?]
    private var issuingKeyHashes: [[UInt8]?]
    private var issuerStores: [CertificateStore?]

    /// Nothing worked out yet for `trustedRoot`'s authorities.
    init(_ trustedRoot: TrustedRoot) {
        certificateAuthorityLinks = Array(repeating: nil, count: trustedRoot.certificateAuthorities.count)
        timestampAuthorityLinks = Array(repeating: nil, count: trustedRoot.timestampAuthorities.count)
        issuingKeyHashes = Array(repeating: nil, count: trustedRoot.certificateAuthorities.count)
        issuerStores = Array(repeating: nil, count: trustedRoot.certificateAuthorities.count)
    }

    /// Whether `authority`, the `index`th of its kind, has certificates that form a chain.
    func chainLinks(_ kind: Kind, _ index: Int, _ authority: TrustedRoot.Authority) -> Bool {
        let known = lock.withLock { kind == .certificateAuthority ? certificateAuthorityLinks[index] : timestampAuthorityLinks[index] }
        if let known { return known }
        // Worked out outside the lock: two threads may both check a chain the first time, with
        // the same answer, rather than one waiting on the other's signature verification.
        let links = Self.chainLinks(authority.certificates)
        lock.withLock {
            if kind == .certificateAuthority { certificateAuthorityLinks[index] = links } else { timestampAuthorityLinks[index] = links }
        }
        return links
    }

    /// The SHA-256 of the issuing (first) certificate's key of the `index`th certificate
    /// authority, as RFC 6962 precertificate entries carry it.
    func issuingKeyHash(_ index: Int, _ issuer: Certificate) -> [UInt8] {
        if let known = lock.withLock({ issuingKeyHashes[index] }) { return known }
        let hash = SignedCertificateTimestamp.issuerKeyHash(issuer)
        lock.withLock { issuingKeyHashes[index] = hash }
        return hash
    }

    /// A store holding only the issuing (first) certificate of the `index`th certificate
    /// authority: the root a signing certificate's chain check starts from. Building one indexes
    /// the certificate by its subject name, which hashes the whole name.
    func issuerStore(_ index: Int, _ issuer: Certificate) -> CertificateStore {
        if let known = lock.withLock({ issuerStores[index] }) { return known }
        let store = CertificateStore([issuer])
        lock.withLock { issuerStores[index] = store }
        return store
    }

    /// Whether each certificate is signed by the next.
    static func chainLinks(_ certificates: [Certificate]) -> Bool {
        zip(certificates, certificates.dropFirst()).allSatisfy { child, parent in
            child.issuer == parent.subject && parent.publicKey.isValidSignature(child.signature, for: child)
        }
    }
}
