import Crypto
import CryptoExtras
import Foundation

/// A signer whose private key lives in process memory: for tests, benchmarks and the moment
/// between generating a key and encrypting it to a file.
public struct InMemorySigner: Signer {
    /// The kinds of key this library generates.
    public enum KeyKind: String, Sendable, CaseIterable {
        /// Ed25519, scheme `ed25519`.
        case ed25519 = "ed25519"
        /// ECDSA on P-256 with SHA-256, scheme `ecdsa-sha2-nistp256`.
        case ecdsaP256 = "ecdsa-p256"
        /// ECDSA on P-384 with SHA-384, scheme `ecdsa-sha2-nistp384`.
        case ecdsaP384 = "ecdsa-p384"
        /// ECDSA on P-521 with SHA-512, scheme `ecdsa-sha2-nistp521`.
        case ecdsaP521 = "ecdsa-p521"
        /// RSA with 2048-bit modulus, RSASSA-PSS with SHA-256, scheme `rsassa-pss-sha256`.
        case rsa2048 = "rsa-2048"
        /// RSA with 3072-bit modulus, RSASSA-PSS with SHA-256, scheme `rsassa-pss-sha256`.
        case rsa3072 = "rsa-3072"
        /// RSA with 4096-bit modulus, RSASSA-PSS with SHA-256, scheme `rsassa-pss-sha256`.
        case rsa4096 = "rsa-4096"
    }

    /// How an RSA key signs: a PKCS#8 key file does not say, so the holder chooses.
    public enum RSAPadding: String, Sendable, CaseIterable {
        /// RSASSA-PSS with SHA-256 and a salt as long as the digest, scheme `rsassa-pss-sha256`
        /// (what securesystemslib signs TUF metadata with).
        case pss = "pss"
        /// RSASSA-PKCS1-v1_5 with SHA-256, scheme `rsa-pkcs1v15-sha256` (what cosign and
        /// sigstore-go assume for an RSA key given alone).
        case pkcs1v15 = "pkcs1v15"

        /// The TUF scheme name.
        public var scheme: String { self == .pss ? "rsassa-pss-sha256" : "rsa-pkcs1v15-sha256" }
    }

    enum PrivateKey: Sendable {
        case ed25519(Curve25519.Signing.PrivateKey)
        case ecdsaP256(P256.Signing.PrivateKey)
        case ecdsaP384(P384.Signing.PrivateKey)
        case ecdsaP521(P521.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey, RSAPadding)
    }

    let privateKey: PrivateKey
    /// The public key, as metadata lists it.
    public let publicKey: Key

    /// A new random key of `kind`.
    public init(generating kind: KeyKind) throws {
        switch kind {
        case .ed25519: try self.init(.ed25519(Curve25519.Signing.PrivateKey()))
        case .ecdsaP256: try self.init(.ecdsaP256(P256.Signing.PrivateKey()))
        case .ecdsaP384: try self.init(.ecdsaP384(P384.Signing.PrivateKey()))
        case .ecdsaP521: try self.init(.ecdsaP521(P521.Signing.PrivateKey()))
        case .rsa2048: try self.init(.rsa(_RSA.Signing.PrivateKey(keySize: .bits2048), .pss))
        case .rsa3072: try self.init(.rsa(_RSA.Signing.PrivateKey(keySize: .bits3072), .pss))
        case .rsa4096: try self.init(.rsa(_RSA.Signing.PrivateKey(keySize: .bits4096), .pss))
        }
    }

    init(_ privateKey: PrivateKey, unrecognizedFields: JSONObject = JSONObject()) throws {
        self.privateKey = privateKey
        let (keyType, scheme, publicValue): (String, String, String)
        switch privateKey {
        case .ed25519(let key): (keyType, scheme, publicValue) = ("ed25519", "ed25519", Hex.encode(key.publicKey.rawRepresentation))
        case .ecdsaP256(let key): (keyType, scheme, publicValue) = ("ecdsa", "ecdsa-sha2-nistp256", key.publicKey.pemRepresentation + "\n")
        case .ecdsaP384(let key): (keyType, scheme, publicValue) = ("ecdsa", "ecdsa-sha2-nistp384", key.publicKey.pemRepresentation + "\n")
        case .ecdsaP521(let key): (keyType, scheme, publicValue) = ("ecdsa", "ecdsa-sha2-nistp521", key.publicKey.pemRepresentation + "\n")
        case .rsa(let key, let padding): (keyType, scheme, publicValue) = ("rsa", padding.scheme, key.publicKey.pemRepresentation + "\n")
        }
        publicKey = Key(keyType: keyType, scheme: scheme, publicValue: publicValue, unrecognizedFields: unrecognizedFields)
    }

    /// A signer for an unencrypted PKCS#8 private key in PEM (the form `openssl genpkey` writes),
    /// of any kind in ``KeyKind``; the curve or key type decides the scheme, and `rsaPadding`
    /// how an RSA key signs.
    public init(pkcs8PEM pem: String, rsaPadding: RSAPadding = .pss) throws {
        if let key = try? Curve25519.Signing.PrivateKey(pemRepresentation: pem) {
            try self.init(.ed25519(key))
        } else if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            try self.init(.ecdsaP256(key))
        } else if let key = try? P384.Signing.PrivateKey(pemRepresentation: pem) {
            try self.init(.ecdsaP384(key))
        } else if let key = try? P521.Signing.PrivateKey(pemRepresentation: pem) {
            try self.init(.ecdsaP521(key))
        } else {
            try self.init(.rsa(_RSA.Signing.PrivateKey(pemRepresentation: pem), rsaPadding))
        }
    }

    /// The private key as an unencrypted PKCS#8 PrivateKeyInfo, for encrypting it to a key file.
    /// Never write these bytes anywhere unencrypted.
    package var pkcs8DERRepresentation: [UInt8] {
        switch privateKey {
        case .ed25519(let key): return Array(key.pkcs8DERRepresentation)
        case .ecdsaP256(let key): return Array(key.pkcs8DERRepresentation)
        case .ecdsaP384(let key): return Array(key.pkcs8DERRepresentation)
        case .ecdsaP521(let key): return Array(key.pkcs8DERRepresentation)
        case .rsa(let key, _): return Array(key.pkcs8DERRepresentation)
        }
    }

    /// Signs `message` in the encoding the key's scheme uses (DER for ECDSA).
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        switch privateKey {
        case .ed25519(let key): return Array(try key.signature(for: message))
        case .ecdsaP256(let key): return Array(try key.signature(for: SHA256.hash(data: message)).derRepresentation)
        case .ecdsaP384(let key): return Array(try key.signature(for: SHA384.hash(data: message)).derRepresentation)
        case .ecdsaP521(let key): return Array(try key.signature(for: SHA512.hash(data: message)).derRepresentation)
        case .rsa(let key, let padding):
            let scheme: _RSA.Signing.Padding = padding == .pss ? .PSS : .insecurePKCS1v1_5
            return Array(try key.signature(for: SHA256.hash(data: message), padding: scheme).rawRepresentation)
        }
    }
}
