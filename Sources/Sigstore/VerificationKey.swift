import Crypto
import CryptoExtras
import Foundation
import SwiftASN1
import TUF
import X509

/// A public key that verifies Sigstore signatures, with the hash its scheme uses: ECDSA P-256
/// with SHA-256, P-384 with SHA-384, P-521 with SHA-512, Ed25519, RSA PKCS#1 v1.5 or PSS.
public enum VerificationKey: Sendable {
    case p256(P256.Signing.PublicKey)
    case p384(P384.Signing.PublicKey)
    case p521(P521.Signing.PublicKey)
    case ed25519(Curve25519.Signing.PublicKey)
    case rsa(_RSA.Signing.PublicKey, Hash, pss: Bool)

    /// A hash function a scheme signs with.
    public enum Hash: String, Sendable {
        case sha256 = "SHA2_256"
        case sha384 = "SHA2_384"
        case sha512 = "SHA2_512"

        /// Every hash, shortest digest first.
        public static let all: [Hash] = [.sha256, .sha384, .sha512]

        /// The hash a name gives: protobuf-specs' (`SHA2_384`, the raw value) or the lower-case
        /// one Rekor v1, in-toto and digest arguments use (`sha384`, ``shortName``).
        public init?(name: String) {
            guard let hash = Self.all.first(where: { $0.rawValue == name || $0.shortName == name }) else { return nil }
            self = hash
        }

        /// The lower-case name: `sha256`, `sha384`, `sha512`.
        public var shortName: String {
            switch self {
            case .sha256: return "sha256"
            case .sha384: return "sha384"
            case .sha512: return "sha512"
            }
        }

        /// How many bytes a digest has.
        public var length: Int {
            switch self {
            case .sha256: return 32
            case .sha384: return 48
            case .sha512: return 64
            }
        }

        /// The digest of `bytes`.
        public func digest(_ bytes: some DataProtocol) -> [UInt8] {
            switch self {
            case .sha256: return Array(SHA256.hash(data: bytes))
            case .sha384: return Array(SHA384.hash(data: bytes))
            case .sha512: return Array(SHA512.hash(data: bytes))
            }
        }
    }

    /// The key in the DER `SubjectPublicKeyInfo` `der`, with the scheme `keyDetails` names
    /// (protobuf-specs' `PublicKeyDetails`; empty to take the usual scheme for the key). A name
    /// for another curve or key type than the key's, or another RSA modulus size, is refused.
    public init(der: [UInt8], keyDetails: String = "") throws(VerificationError) {
        do {
            if keyDetails.hasPrefix("PKIX_RSA") || keyDetails.hasPrefix("PKCS1_RSA") {
                let key = try _RSA.Signing.PublicKey(unsafeDERRepresentation: der)
                let hash: Hash = keyDetails.hasSuffix("SHA512") ? .sha512 : keyDetails.hasSuffix("SHA384") ? .sha384 : .sha256
                if let bits = keyDetails.split(separator: "_").lazy.compactMap({ Int($0) }).first, bits != key.keySizeInBits {
                    throw VerificationError(.key, "the key is \(key.keySizeInBits)-bit RSA, not the \(bits) bits \(keyDetails) names")
                }
                self = .rsa(key, hash, pss: keyDetails.contains("PSS"))
                return
            }
            self = try Self(certificateKey: Certificate.PublicKey(derEncoded: der))
        } catch let error as VerificationError {
            throw error
        } catch {
            throw VerificationError(.key, "not a supported public key (\(keyDetails.isEmpty ? "no scheme given" : keyDetails)): \(error)")
        }
        let expected: String?
        switch self {
        case .p256: expected = "PKIX_ECDSA_P256"
        case .p384: expected = "PKIX_ECDSA_P384"
        case .p521: expected = "PKIX_ECDSA_P521"
        case .ed25519: expected = "PKIX_ED25519"
        case .rsa: expected = nil
        }
        let named = ["PKIX_ECDSA_P256", "PKIX_ECDSA_P384", "PKIX_ECDSA_P521", "PKIX_ED25519"].first { keyDetails.hasPrefix($0) }
        if let named, named != expected {
            throw VerificationError(.key, "the key is \(self.typeName), not the \(keyDetails) key its scheme names")
        }
    }

    /// The key of a PEM `PUBLIC KEY` block, with the scheme `keyDetails` names (empty: the key's
    /// usual one; an RSA key alone is taken as PKCS#1 v1.5 with SHA-256, as cosign does).
    public init(pem: String, keyDetails: String = "") throws(VerificationError) {
        guard let document = PEM.decode(pem) else { throw VerificationError(.key, "not a PEM public key") }
        guard document.label == "PUBLIC KEY" else { throw VerificationError(.key, "the PEM block is \(document.label), not PUBLIC KEY") }
        try self.init(der: document.der, keyDetails: keyDetails)
    }

    /// The key's type, for messages.
    var typeName: String {
        switch self {
        case .p256: return "ECDSA P-256"
        case .p384: return "ECDSA P-384"
        case .p521: return "ECDSA P-521"
        case .ed25519: return "Ed25519"
        case .rsa(let key, _, _): return "\(key.keySizeInBits)-bit RSA"
        }
    }

    /// The key of a certificate.
    public init(certificateKey key: Certificate.PublicKey) throws(VerificationError) {
        if let key = P256.Signing.PublicKey(key) {
            self = .p256(key)
        } else if let key = P384.Signing.PublicKey(key) {
            self = .p384(key)
        } else if let key = P521.Signing.PublicKey(key) {
            self = .p521(key)
        } else if let key = Curve25519.Signing.PublicKey(key) {
            self = .ed25519(key)
        } else if let key = _RSA.Signing.PublicKey(key) {
            self = .rsa(key, .sha256, pss: false)
        } else {
            throw VerificationError(.key, "unsupported key type")
        }
    }

    /// The hash the key's scheme applies to the message; nil for Ed25519, which signs the message.
    public var hash: Hash? {
        switch self {
        case .p256: return .sha256
        case .p384: return .sha384
        case .p521: return .sha512
        case .ed25519: return nil
        case .rsa(_, let hash, _): return hash
        }
    }

    /// Whether `signature` (DER for ECDSA) is this key's signature over `message`.
    public func isValidSignature(_ signature: [UInt8], for message: some DataProtocol) -> Bool {
        switch self {
        case .p256(let key):
            return Self.ecdsaSignature(signature, size: 32, P256.Signing.ECDSASignature.init(rawRepresentation:)).map {
                key.isValidSignature($0, for: message)
            } ?? false
        case .p384(let key):
            return Self.ecdsaSignature(signature, size: 48, P384.Signing.ECDSASignature.init(rawRepresentation:)).map {
                key.isValidSignature($0, for: message)
            } ?? false
        case .p521(let key):
            return Self.ecdsaSignature(signature, size: 66, P521.Signing.ECDSASignature.init(rawRepresentation:)).map {
                key.isValidSignature($0, for: message)
            } ?? false
        case .ed25519(let key):
            return key.isValidSignature(signature, for: message)
        case .rsa(let key, let hash, let pss):
            let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
            let padding: _RSA.Signing.Padding = pss ? .PSS : .insecurePKCS1v1_5
            switch hash {
            case .sha256: return key.isValidSignature(rsaSignature, for: SHA256.hash(data: message), padding: padding)
            case .sha384: return key.isValidSignature(rsaSignature, for: SHA384.hash(data: message), padding: padding)
            case .sha512: return key.isValidSignature(rsaSignature, for: SHA512.hash(data: message), padding: padding)
            }
        }
    }

    /// Whether `signature` is this key's signature over `message` hashed with `hash` (which may
    /// differ from the key's usual hash, as in CMS).
    public func isValidSignature(_ signature: [UInt8], for message: some DataProtocol, hash: Hash) -> Bool {
        switch self {
        case .p256, .p384, .p521:
            return isValidSignature(signature, digest: hash.digest(message), checkingLength: false) ?? false
        case .ed25519:
            return isValidSignature(signature, for: message)
        case .rsa(let key, _, let pss):
            return VerificationKey.rsa(key, hash, pss: pss).isValidSignature(signature, for: message)
        }
    }

    /// Whether `signature` is this key's signature over a message whose digest under the key's
    /// hash is `digest` (for an artifact known only by its digest). Ed25519 and RSA need the
    /// message itself: nil.
    public func isValidSignature(_ signature: [UInt8], digest: [UInt8]) -> Bool? {
        isValidSignature(signature, digest: digest, checkingLength: true)
    }

    func isValidSignature(_ signature: [UInt8], digest: [UInt8], checkingLength: Bool) -> Bool? {
        let precomputed = PrecomputedDigest(bytes: digest)
        switch self {
        case .p256(let key):
            guard digest.count == 32 || !checkingLength else { return false }
            return Self.ecdsaSignature(signature, size: 32, P256.Signing.ECDSASignature.init(rawRepresentation:)).map {
                key.isValidSignature($0, for: precomputed)
            }
                ?? false
        case .p384(let key):
            guard digest.count == 48 || !checkingLength else { return false }
            return Self.ecdsaSignature(signature, size: 48, P384.Signing.ECDSASignature.init(rawRepresentation:)).map {
                key.isValidSignature($0, for: precomputed)
            }
                ?? false
        case .p521(let key):
            guard digest.count == 64 || !checkingLength else { return false }
            return Self.ecdsaSignature(signature, size: 66, P521.Signing.ECDSASignature.init(rawRepresentation:)).map {
                key.isValidSignature($0, for: precomputed)
            }
                ?? false
        case .ed25519, .rsa:
            return nil
        }
    }

    /// A DER ECDSA signature (`SEQUENCE { r INTEGER, s INTEGER }`) made into a curve's
    /// signature type through its raw form: r ‖ s, each padded to the curve's coordinate `size`.
    /// The DER is read with SwiftASN1: swift-crypto's DER initializer builds the raw form by
    /// appending byte by byte into `Data`, about a microsecond for each of a bundle's four
    /// P-256 signatures.
    static func ecdsaSignature<Signature>(_ der: [UInt8], size: Int, _ make: ([UInt8]) throws -> Signature) -> Signature? {
        guard let root = try? DER.parse(der),
            let (r, s) = try? DER.sequence(
                root,
                identifier: .sequence,
                { nodes in (try ArraySlice<UInt8>(derEncoded: &nodes), try ArraySlice<UInt8>(derEncoded: &nodes)) }
            ),
            r.count <= size, s.count <= size
        else { return nil }
        var raw = [UInt8](repeating: 0, count: 2 * size)
        raw.replaceSubrange((size - r.count)..<size, with: r)
        raw.replaceSubrange((2 * size - s.count)..<(2 * size), with: s)
        return try? make(raw)
    }

    /// The DER SubjectPublicKeyInfo of the key.
    public var der: [UInt8] {
        switch self {
        case .p256(let key): return Array(key.derRepresentation)
        case .p384(let key): return Array(key.derRepresentation)
        case .p521(let key): return Array(key.derRepresentation)
        case .ed25519(let key): return Self.spkiDER(Certificate.PublicKey(key))
        case .rsa(let key, _, _): return Array(key.derRepresentation)
        }
    }
}

extension VerificationKey {
    /// The DER SubjectPublicKeyInfo of a certificate's key.
    public static func spkiDER(_ key: Certificate.PublicKey) -> [UInt8] {
        var serializer = DER.Serializer()
        try? serializer.serialize(key)
        return serializer.serializedBytes
    }
}

/// A digest computed elsewhere, handed to ECDSA verification as it is.
package struct PrecomputedDigest: Digest {
    package static var byteCount: Int { 64 }
    package let bytes: [UInt8]

    /// A digest computed elsewhere (of any length up to 64 bytes).
    package init(bytes: [UInt8]) { self.bytes = bytes }

    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try bytes.withUnsafeBytes(body) }
    package func makeIterator() -> IndexingIterator<[UInt8]> { bytes.makeIterator() }
    package var description: String { bytes.map { String(format: "%02x", $0) }.joined() }
}
