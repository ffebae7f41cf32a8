import Crypto
import CryptoExtras
import Foundation

/// A public key parsed for one TUF signature scheme, ready to verify.
///
/// Built once per ``Key``. A key type, scheme or encoding this does not know yields no verifier,
/// and such a key verifies nothing.
enum PublicKeyVerifier: Sendable {
    case ed25519(Curve25519.Signing.PublicKey)
    case ecdsaP256(P256.Signing.PublicKey)
    case ecdsaP384(P384.Signing.PublicKey)
    case ecdsaP521(P521.Signing.PublicKey)
    case rsaPSS(_RSA.Signing.PublicKey, HashFunction)
    case rsaPKCS1(_RSA.Signing.PublicKey, HashFunction)

    enum HashFunction: Sendable {
        case sha256, sha384, sha512
    }

    /// The verifier for a key with these fields and its ``identity``, or `nil` when the
    /// combination is unsupported or the public value does not parse. An uncompressed EC point
    /// read from the value is its own identity, so it is not serialized back from the key.
    static func parse(keyType: String, scheme: String, publicValue: String) -> (verifier: Self, identity: [UInt8])? {
        switch (keyType, scheme) {
        case ("ed25519", "ed25519"):
            guard let raw = Hex.decode(publicValue), raw.count == 32,
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
            else { return nil }
            return identified(.ed25519(key))
        case ("ecdsa", "ecdsa-sha2-nistp256"), ("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256"):
            guard let der = publicKeyDER(publicValue) else { return nil }
            guard let point = uncompressedPoint(der, after: p256InfoPrefix) else {
                return (try? P256.Signing.PublicKey(derRepresentation: der)).map { identified(.ecdsaP256($0)) }
            }
            return (try? P256.Signing.PublicKey(x963Representation: point)).map { identified(.ecdsaP256($0), uncompressedPoint: point) }
        case ("ecdsa", "ecdsa-sha2-nistp384"), ("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384"):
            guard let der = publicKeyDER(publicValue) else { return nil }
            guard let point = uncompressedPoint(der, after: p384InfoPrefix) else {
                return (try? P384.Signing.PublicKey(derRepresentation: der)).map { identified(.ecdsaP384($0)) }
            }
            return (try? P384.Signing.PublicKey(x963Representation: point)).map { identified(.ecdsaP384($0), uncompressedPoint: point) }
        case ("ecdsa", "ecdsa-sha2-nistp521"), ("ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521"):
            guard let der = publicKeyDER(publicValue), let key = try? P521.Signing.PublicKey(derRepresentation: der) else {
                return nil
            }
            return identified(.ecdsaP521(key))
        case ("rsa", _):
            guard let (padding, hash) = rsaScheme(scheme),
                let der = publicKeyDER(publicValue), let key = try? _RSA.Signing.PublicKey(derRepresentation: der)
            else { return nil }
            return identified(padding ? .rsaPSS(key, hash) : .rsaPKCS1(key, hash))
        default:
            return nil
        }
    }

    /// `verifier` with the identity it computes.
    private static func identified(_ verifier: Self) -> (verifier: Self, identity: [UInt8]) {
        (verifier, verifier.identity)
    }

    /// An EC `verifier` with its identity made from `point`, the uncompressed point it was read
    /// from, which is what ``identity`` would serialize back.
    private static func identified(_ verifier: Self, uncompressedPoint point: [UInt8]) -> (verifier: Self, identity: [UInt8]) {
        (verifier, [verifier.identityTag] + point)
    }

    /// The SubjectPublicKeyInfo a `PUBLIC KEY` PEM block holds. Read with ``PEM``, which is
    /// several times faster than swift-crypto's PEM reader: a long root walk parses three new
    /// keys a version, and reading them was a visible share of the walk.
    private static func publicKeyDER(_ pem: String) -> [UInt8]? {
        guard let (label, der) = PEM.decode(pem), label == "PUBLIC KEY" else { return nil }
        return der
    }

    /// The DER every SubjectPublicKeyInfo of an uncompressed P-256 point starts with, up to the
    /// point: the sequence, the algorithm (id-ecPublicKey, prime256v1) and the bit string's head.
    static let p256InfoPrefix: [UInt8] = [
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01,
        0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ]
    /// ``p256InfoPrefix`` for P-384 (secp384r1).
    static let p384InfoPrefix: [UInt8] = [
        0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01,
        0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00,
    ]

    /// The uncompressed point `der` holds when it is exactly `prefix` and one such point (whose
    /// length the prefix's own lengths fix); nil for any other encoding, which swift-crypto's
    /// DER reader then takes. Both ways end in the same on-curve check; this one skips a general
    /// ASN.1 parse that a long root walk pays for three new keys a version.
    static func uncompressedPoint(_ der: [UInt8], after prefix: [UInt8]) -> [UInt8]? {
        guard der.count == Int(prefix[1]) + 2, der.starts(with: prefix), der[prefix.count] == 0x04 else { return nil }
        return Array(der[prefix.count...])
    }

    /// (true for PSS, hash) for the RSA schemes securesystemslib defines.
    private static func rsaScheme(_ scheme: String) -> (Bool, HashFunction)? {
        switch scheme {
        case "rsassa-pss-sha256": return (true, .sha256)
        case "rsassa-pss-sha384": return (true, .sha384)
        case "rsassa-pss-sha512": return (true, .sha512)
        case "rsa-pkcs1v15-sha256": return (false, .sha256)
        case "rsa-pkcs1v15-sha384": return (false, .sha384)
        case "rsa-pkcs1v15-sha512": return (false, .sha512)
        default: return nil
        }
    }

    /// The byte an ``identity`` starts with, one per kind of key, so that no two kinds collide.
    private var identityTag: UInt8 {
        switch self {
        case .ed25519: return 0x01
        case .ecdsaP256: return 0x02
        case .ecdsaP384: return 0x03
        case .rsaPSS, .rsaPKCS1: return 0x04
        case .ecdsaP521: return 0x05
        }
    }

    /// The key's bytes in one normal form, so that one key written two ways is seen as one key.
    var identity: [UInt8] {
        switch self {
        case .ed25519(let key): return [identityTag] + Array(key.rawRepresentation)
        case .ecdsaP256(let key): return [identityTag] + Array(key.x963Representation)
        case .ecdsaP384(let key): return [identityTag] + Array(key.x963Representation)
        case .ecdsaP521(let key): return [identityTag] + Array(key.x963Representation)
        case .rsaPSS(let key, _), .rsaPKCS1(let key, _): return [identityTag] + Array(key.derRepresentation)
        }
    }

    /// Whether `signature` is this key's signature over `message`. Malformed signatures are
    /// simply invalid.
    func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        isValidSignature(signature, for: SignedMessage(message))
    }

    /// ``isValidSignature(_:for:)-([UInt8],_)`` with the message's digests shared between checks.
    func isValidSignature(_ signature: [UInt8], for message: SignedMessage) -> Bool {
        switch self {
        case .ed25519(let key):
            return key.isValidSignature(signature, for: message.bytes)
        case .ecdsaP256(let key):
            guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: message.sha256)
        case .ecdsaP384(let key):
            guard let parsed = try? P384.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: message.sha384)
        case .ecdsaP521(let key):
            guard let parsed = try? P521.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: message.sha512)
        case .rsaPSS(let key, let hash):
            return Self.verifyRSA(key, signature, message, hash, padding: .PSS)
        case .rsaPKCS1(let key, let hash):
            return Self.verifyRSA(key, signature, message, hash, padding: .insecurePKCS1v1_5)
        }
    }

    private static func verifyRSA(
        _ key: _RSA.Signing.PublicKey,
        _ signature: [UInt8],
        _ message: SignedMessage,
        _ hash: HashFunction,
        padding: _RSA.Signing.Padding
    ) -> Bool {
        let parsed = _RSA.Signing.RSASignature(rawRepresentation: signature)
        switch hash {
        case .sha256: return key.isValidSignature(parsed, for: message.sha256, padding: padding)
        case .sha384: return key.isValidSignature(parsed, for: message.sha384, padding: padding)
        case .sha512: return key.isValidSignature(parsed, for: message.sha512, padding: padding)
        }
    }
}
