import Crypto
import CryptoExtras
import Foundation
import SwiftASN1

/// A PKCS#8 `EncryptedPrivateKeyInfo` protected with PBES2 (RFC 8018): a passphrase-derived
/// AES-256-CBC key, derived with scrypt (RFC 7914) or PBKDF2-HMAC-SHA256. The PEM form
/// (`ENCRYPTED PRIVATE KEY`) is what `openssl pkey` reads and writes.
public struct EncryptedPrivateKeyInfo: Sendable, Equatable {
    /// How the encryption key is derived from the passphrase.
    public enum KeyDerivation: Sendable, Equatable {
        /// scrypt with cost `n` (a power of two), block size `r` and parallelism `p`.
        case scrypt(salt: [UInt8], n: Int, r: Int, p: Int)
        /// PBKDF2 with HMAC-SHA256 and `iterations` rounds.
        case pbkdf2SHA256(salt: [UInt8], iterations: Int)

        /// scrypt with N = 2^14, r = 8, p = 8 and a random 16-byte salt. OpenSSL refuses scrypt
        /// needing more than 32 MiB, so the cost comes from eight 16 MiB lanes instead of one
        /// larger one: the work of N = 2^17 in a file `openssl pkey` still opens.
        public static func strongScrypt() -> KeyDerivation {
            .scrypt(salt: randomBytes(16), n: 1 << 14, r: 8, p: 8)
        }
    }

    /// The key derivation and its parameters.
    public let keyDerivation: KeyDerivation
    /// The AES-CBC initialization vector.
    public let iv: [UInt8]
    /// The encrypted PrivateKeyInfo.
    public let ciphertext: [UInt8]

    /// Encrypts the PKCS#8 `privateKeyInfo` under `passphrase`.
    public init(encrypting privateKeyInfo: [UInt8], passphrase: [UInt8], keyDerivation: KeyDerivation = .strongScrypt())
        throws(CeremonyError)
    {
        do {
            self.keyDerivation = keyDerivation
            iv = randomBytes(16)
            let key = try Self.deriveKey(passphrase, keyDerivation)
            ciphertext = Array(try AES._CBC.encrypt(privateKeyInfo, using: key, iv: AES._CBC.IV(ivBytes: iv)))
        } catch {
            throw CeremonyError(error)
        }
    }

    /// Decrypts the PrivateKeyInfo with `passphrase`.
    public func decrypt(passphrase: [UInt8]) throws(CeremonyError) -> [UInt8] {
        do {
            let key = try Self.deriveKey(passphrase, keyDerivation)
            return Array(try AES._CBC.decrypt(ciphertext, using: key, iv: AES._CBC.IV(ivBytes: iv)))
        } catch let error as CeremonyError {
            throw error
        } catch {
            // A padding failure: the derived key is wrong, or the ciphertext was changed.
            throw .wrongPassphrase
        }
    }

    private static func deriveKey(_ passphrase: [UInt8], _ derivation: KeyDerivation) throws -> SymmetricKey {
        switch derivation {
        case .scrypt(let salt, let n, let r, let p):
            // Bounds keep a hostile file from demanding unbounded memory or time.
            guard n > 1, n & (n - 1) == 0, n <= 1 << 20, (1...32).contains(r), (1...16).contains(p), 128 * n * r <= 1 << 30 else {
                throw CeremonyError.unreasonableParameters("scrypt N=\(n) r=\(r) p=\(p)")
            }
            return try KDF.Scrypt.deriveKey(
                from: passphrase,
                salt: salt,
                outputByteCount: 32,
                rounds: n,
                blockSize: r,
                parallelism: p,
                maxMemory: 130 * n * r * p + (1 << 20)
            )
        case .pbkdf2SHA256(let salt, let iterations):
            guard (1_000...10_000_000).contains(iterations) else {
                throw CeremonyError.unreasonableParameters("PBKDF2 iterations \(iterations)")
            }
            return try KDF.Insecure.PBKDF2.deriveKey(
                from: passphrase,
                salt: salt,
                using: .sha256,
                outputByteCount: 32,
                unsafeUncheckedRounds: iterations
            )
        }
    }
}

func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}

extension AES._CBC.IV {
    init(ivBytes: [UInt8]) throws {
        try self.init(ivBytes: Data(ivBytes))
    }
}

// MARK: - DER and PEM

extension EncryptedPrivateKeyInfo {
    static let pbes2 = try! ASN1ObjectIdentifier(dotRepresentation: "1.2.840.113549.1.5.13")
    static let pbkdf2 = try! ASN1ObjectIdentifier(dotRepresentation: "1.2.840.113549.1.5.12")
    static let scryptOID = try! ASN1ObjectIdentifier(dotRepresentation: "1.3.6.1.4.1.11591.4.11")
    static let hmacWithSHA256 = try! ASN1ObjectIdentifier(dotRepresentation: "1.2.840.113549.2.9")
    static let aes256CBC = try! ASN1ObjectIdentifier(dotRepresentation: "2.16.840.1.101.3.4.1.42")

    /// Parses the PEM form (`-----BEGIN ENCRYPTED PRIVATE KEY-----`).
    public init(pemEncoded pem: String) throws(CeremonyError) {
        let document: PEMDocument
        do {
            document = try PEMDocument(pemString: pem)
        } catch {
            throw .notAnEncryptedKey("no PEM block")
        }
        guard document.discriminator == "ENCRYPTED PRIVATE KEY" else {
            throw .notAnEncryptedKey("PEM block is \(document.discriminator), not ENCRYPTED PRIVATE KEY")
        }
        try self.init(derEncoded: document.derBytes)
    }

    /// Parses the DER form.
    public init(derEncoded bytes: [UInt8]) throws(CeremonyError) {
        do {
            let root = try DER.parse(bytes)
            self = try DER.sequence(root, identifier: .sequence) { nodes in
                let (algorithm, parameters) = try Self.algorithm(&nodes)
                guard algorithm == Self.pbes2, let parameters else {
                    throw CeremonyError.unsupportedKeyEncryption("encryption algorithm \(algorithm)")
                }
                let (derivation, iv) = try Self.pbes2Parameters(parameters)
                let ciphertext = try ASN1OctetString(derEncoded: &nodes)
                return EncryptedPrivateKeyInfo(keyDerivation: derivation, iv: iv, ciphertext: Array(ciphertext.bytes))
            }
        } catch let error as CeremonyError {
            throw error
        } catch {
            throw .notAnEncryptedKey("malformed DER: \(error)")
        }
    }

    private init(keyDerivation: KeyDerivation, iv: [UInt8], ciphertext: [UInt8]) {
        self.keyDerivation = keyDerivation
        self.iv = iv
        self.ciphertext = ciphertext
    }

    private static func algorithm(_ nodes: inout ASN1NodeCollection.Iterator) throws -> (ASN1ObjectIdentifier, ASN1Node?) {
        guard let node = nodes.next() else { throw CeremonyError.notAnEncryptedKey("missing algorithm") }
        return try DER.sequence(node, identifier: .sequence) { inner in
            let oid = try ASN1ObjectIdentifier(derEncoded: &inner)
            return (oid, inner.next())
        }
    }

    private static func pbes2Parameters(_ node: ASN1Node) throws -> (KeyDerivation, [UInt8]) {
        try DER.sequence(node, identifier: .sequence) { nodes in
            let (kdf, kdfParameters) = try algorithm(&nodes)
            guard let kdfParameters else { throw CeremonyError.unsupportedKeyEncryption("key derivation without parameters") }
            let derivation: KeyDerivation
            if kdf == scryptOID {
                derivation = try DER.sequence(kdfParameters, identifier: .sequence) { fields in
                    let salt = try ASN1OctetString(derEncoded: &fields)
                    let n = try Int(derEncoded: &fields)
                    let r = try Int(derEncoded: &fields)
                    let p = try Int(derEncoded: &fields)
                    if let keyLength = fields.next(), try Int(derEncoded: keyLength) != 32 {
                        throw CeremonyError.unsupportedKeyEncryption("scrypt key length other than 32")
                    }
                    return .scrypt(salt: Array(salt.bytes), n: n, r: r, p: p)
                }
            } else if kdf == pbkdf2 {
                derivation = try DER.sequence(kdfParameters, identifier: .sequence) { fields in
                    let salt = try ASN1OctetString(derEncoded: &fields)
                    let iterations = try Int(derEncoded: &fields)
                    var next = fields.next()
                    if let node = next, node.identifier == .integer {
                        guard try Int(derEncoded: node) == 32 else {
                            throw CeremonyError.unsupportedKeyEncryption("PBKDF2 key length other than 32")
                        }
                        next = fields.next()
                    }
                    // The PRF defaults to HMAC-SHA1, which this library does not accept.
                    guard let prfNode = next else { throw CeremonyError.unsupportedKeyEncryption("PBKDF2 with HMAC-SHA1") }
                    let prf = try DER.sequence(prfNode, identifier: .sequence) { inner in
                        let oid = try ASN1ObjectIdentifier(derEncoded: &inner)
                        if let parameters = inner.next() { _ = try ASN1Null(derEncoded: parameters) }
                        return oid
                    }
                    guard prf == hmacWithSHA256 else {
                        throw CeremonyError.unsupportedKeyEncryption("PBKDF2 pseudo-random function \(prf)")
                    }
                    return .pbkdf2SHA256(salt: Array(salt.bytes), iterations: iterations)
                }
            } else {
                throw CeremonyError.unsupportedKeyEncryption("key derivation \(kdf)")
            }
            let (cipher, cipherParameters) = try algorithm(&nodes)
            guard cipher == aes256CBC, let cipherParameters else { throw CeremonyError.unsupportedKeyEncryption("cipher \(cipher)") }
            let iv = try ASN1OctetString(derEncoded: cipherParameters)
            guard iv.bytes.count == 16 else { throw CeremonyError.notAnEncryptedKey("IV of \(iv.bytes.count) bytes") }
            return (derivation, Array(iv.bytes))
        }
    }

    /// The DER form.
    public var derEncoded: [UInt8] {
        var serializer = DER.Serializer()
        // Serializing fixed, valid structures cannot fail.
        try! serializer.appendConstructedNode(identifier: .sequence) { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(Self.pbes2)
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        switch keyDerivation {
                        case .scrypt(let salt, let n, let r, let p):
                            try coder.serialize(Self.scryptOID)
                            try coder.appendConstructedNode(identifier: .sequence) { coder in
                                try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(salt)))
                                try coder.serialize(n)
                                try coder.serialize(r)
                                try coder.serialize(p)
                                try coder.serialize(32)
                            }
                        case .pbkdf2SHA256(let salt, let iterations):
                            try coder.serialize(Self.pbkdf2)
                            try coder.appendConstructedNode(identifier: .sequence) { coder in
                                try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(salt)))
                                try coder.serialize(iterations)
                                try coder.serialize(32)
                                try coder.appendConstructedNode(identifier: .sequence) { coder in
                                    try coder.serialize(Self.hmacWithSHA256)
                                    try coder.serialize(ASN1Null())
                                }
                            }
                        }
                    }
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        try coder.serialize(Self.aes256CBC)
                        try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(iv)))
                    }
                }
            }
            try coder.serialize(ASN1OctetString(contentBytes: ArraySlice(ciphertext)))
        }
        return serializer.serializedBytes
    }

    /// The PEM form, as `openssl pkey` writes it.
    public var pemEncoded: String {
        PEMDocument(type: "ENCRYPTED PRIVATE KEY", derBytes: derEncoded).pemString + "\n"
    }
}
