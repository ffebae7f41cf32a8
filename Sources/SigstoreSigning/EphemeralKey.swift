import Crypto
import Foundation
import Sigstore
import X509

/// The key a keyless signature is made with: fresh for each signing, held only in memory, and
/// certified by Fulcio for the signer's identity. P-256 unless the caller asks for P-384.
public struct EphemeralKey: Sendable {
    /// The curves a keyless signing key may be on.
    public enum Algorithm: String, Sendable, CaseIterable {
        /// ECDSA P-256 with SHA-256 (protobuf-specs `PKIX_ECDSA_P256_SHA_256`), the default.
        case ecdsaP256 = "ecdsa-p256"
        /// ECDSA P-384 with SHA-384 (`PKIX_ECDSA_P384_SHA_384`).
        case ecdsaP384 = "ecdsa-p384"

        /// The hash the algorithm signs with.
        public var hash: VerificationKey.Hash { self == .ecdsaP256 ? .sha256 : .sha384 }

        /// protobuf-specs' name for the algorithm.
        public var keyDetails: String { self == .ecdsaP256 ? "PKIX_ECDSA_P256_SHA_256" : "PKIX_ECDSA_P384_SHA_384" }
    }

    private enum PrivateKey: Sendable {
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
    }

    private let privateKey: PrivateKey
    /// The key's algorithm.
    public let algorithm: Algorithm

    /// A new random key for `algorithm`.
    public init(_ algorithm: Algorithm) {
        self.algorithm = algorithm
        switch algorithm {
        case .ecdsaP256: privateKey = .p256(P256.Signing.PrivateKey())
        case .ecdsaP384: privateKey = .p384(P384.Signing.PrivateKey())
        }
    }

    /// The public key, for the certificate request and for comparing with what Fulcio certified.
    public var publicKey: Certificate.PublicKey {
        switch privateKey {
        case .p256(let key): return Certificate.PublicKey(key.publicKey)
        case .p384(let key): return Certificate.PublicKey(key.publicKey)
        }
    }

    /// The public key in PEM, as Fulcio takes it.
    public var publicKeyPEM: String {
        switch privateKey {
        case .p256(let key): return key.publicKey.pemRepresentation
        case .p384(let key): return key.publicKey.pemRepresentation
        }
    }

    /// The DER signature over `message`, hashed with the algorithm's hash.
    public func signature(for message: [UInt8]) throws -> [UInt8] {
        switch privateKey {
        case .p256(let key): return Array(try key.signature(for: message).derRepresentation)
        case .p384(let key): return Array(try key.signature(for: message).derRepresentation)
        }
    }

    /// The DER signature over a message whose digest under the algorithm's hash is `digest`.
    public func signature(digest: [UInt8]) throws -> [UInt8] {
        switch privateKey {
        case .p256(let key): return Array(try key.signature(for: PrecomputedDigest(bytes: digest)).derRepresentation)
        case .p384(let key): return Array(try key.signature(for: PrecomputedDigest(bytes: digest)).derRepresentation)
        }
    }
}
