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

    /// The verifier for a key with these fields, or `nil` when the combination is unsupported
    /// or the public value does not parse.
    init?(keyType: String, scheme: String, publicValue: String) {
        switch (keyType, scheme) {
        case ("ed25519", "ed25519"):
            guard let raw = Hex.decode(publicValue), raw.count == 32,
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
            else { return nil }
            self = .ed25519(key)
        case ("ecdsa", "ecdsa-sha2-nistp256"), ("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256"):
            guard let der = Self.publicKeyDER(publicValue), let key = try? P256.Signing.PublicKey(derRepresentation: der) else {
                return nil
            }
            self = .ecdsaP256(key)
        case ("ecdsa", "ecdsa-sha2-nistp384"), ("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384"):
            guard let der = Self.publicKeyDER(publicValue), let key = try? P384.Signing.PublicKey(derRepresentation: der) else {
                return nil
            }
            self = .ecdsaP384(key)
        case ("ecdsa", "ecdsa-sha2-nistp521"), ("ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521"):
            guard let der = Self.publicKeyDER(publicValue), let key = try? P521.Signing.PublicKey(derRepresentation: der) else {
                return nil
            }
            self = .ecdsaP521(key)
        case ("rsa", _):
            guard let (padding, hash) = Self.rsaScheme(scheme),
                let der = Self.publicKeyDER(publicValue), let key = try? _RSA.Signing.PublicKey(derRepresentation: der)
            else { return nil }
            self = padding ? .rsaPSS(key, hash) : .rsaPKCS1(key, hash)
        default:
            return nil
        }
    }

    /// The SubjectPublicKeyInfo a `PUBLIC KEY` PEM block holds. Read with ``PEM``, which is
    /// several times faster than swift-crypto's PEM reader: a long root walk parses three new
    /// keys a version, and reading them was a visible share of the walk.
    private static func publicKeyDER(_ pem: String) -> [UInt8]? {
        guard let (label, der) = PEM.decode(pem), label == "PUBLIC KEY" else { return nil }
        return der
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

    /// The key's bytes in one normal form, so that one key written two ways is seen as one key.
    var identity: [UInt8] {
        switch self {
        case .ed25519(let key): return [0x01] + Array(key.rawRepresentation)
        case .ecdsaP256(let key): return [0x02] + Array(key.x963Representation)
        case .ecdsaP384(let key): return [0x03] + Array(key.x963Representation)
        case .ecdsaP521(let key): return [0x05] + Array(key.x963Representation)
        case .rsaPSS(let key, _), .rsaPKCS1(let key, _): return [0x04] + Array(key.derRepresentation)
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
