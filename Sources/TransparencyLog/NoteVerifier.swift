import Crypto
import TUF

/// A key that signs notes, as a note's reader knows it: the name and key hash that pick its
/// signature lines, and the check of one signature over the note's text.
public protocol NoteVerifier: Sendable {
    /// The signer name its lines carry, or nil to accept any name (a log known by its key only,
    /// as a Sigstore trusted root knows it).
    var name: String? { get }
    /// The four-byte key hash its lines carry.
    var keyHash: [UInt8] { get }
    /// Whether `signature` (the line's bytes after the key hash) signs `text`.
    func isValidSignature(_ signature: [UInt8], for text: [UInt8]) -> Bool
}

extension NoteVerifier {
    /// The C2SP key hash of a named key: SHA-256 of the name, a newline, the signature type
    /// and the key, first four bytes.
    static func keyHash(name: String, type: UInt8, key: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [10, type] + key)
        return Array(hasher.finalize().prefix(4))
    }
}

/// An Ed25519 note key (signed-note signature type 0x01), as Rekor v2 logs sign checkpoints.
public struct Ed25519NoteVerifier: NoteVerifier {
    /// The signer name.
    public let name: String?
    /// The key hash of `name` and the key.
    public let keyHash: [UInt8]
    /// The public key.
    public let publicKey: Curve25519.Signing.PublicKey

    /// The verifier for `name`'s 32-byte Ed25519 key.
    public init(name: String, publicKey: [UInt8]) throws(LogError) {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else {
            throw LogError(.malformed, "the Ed25519 key of \(name) is not 32 bytes")
        }
        self.name = name
        self.publicKey = key
        keyHash = Self.keyHash(name: name, type: 0x01, key: publicKey)
    }

    /// The verifier a C2SP verifier key names: `NAME+KEYHASH+BASE64(0x01 ‖ KEY)`.
    public init(verifierKey: String) throws(LogError) {
        let key = try VerifierKey(verifierKey, type: 0x01)
        try self.init(name: key.name, publicKey: key.material)
    }

    /// Whether `signature` is an Ed25519 signature of `text`.
    public func isValidSignature(_ signature: [UInt8], for text: [UInt8]) -> Bool {
        signature.count == 64 && publicKey.isValidSignature(signature, for: text)
    }
}

/// An ECDSA note key, as Rekor v1 signs checkpoints: the key hash is the start of the SHA-256
/// of the key's DER SubjectPublicKeyInfo (the log id), the signature DER over SHA-256 (P-256) or
/// SHA-384 (P-384) of the text.
public struct ECDSANoteVerifier: NoteVerifier {
    enum Key: Sendable {
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
    }

    /// The signer name, when the reader requires one.
    public let name: String?
    /// The first four bytes of the SHA-256 of the key's DER.
    public let keyHash: [UInt8]
    let key: Key

    /// The verifier for a P-256 or P-384 key given as DER SubjectPublicKeyInfo.
    public init(name: String? = nil, derPublicKey der: [UInt8]) throws(LogError) {
        if let key = try? P256.Signing.PublicKey(derRepresentation: der) {
            self.key = .p256(key)
        } else if let key = try? P384.Signing.PublicKey(derRepresentation: der) {
            self.key = .p384(key)
        } else {
            throw LogError(.malformed, "the log key is not a P-256 or P-384 public key")
        }
        self.name = name
        keyHash = Array(SHA256.hash(data: der).prefix(4))
    }

    /// Whether `signature` is a DER ECDSA signature of `text`.
    public func isValidSignature(_ signature: [UInt8], for text: [UInt8]) -> Bool {
        switch key {
        case .p256(let key):
            guard let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: text)
        case .p384(let key):
            guard let parsed = try? P384.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: text)
        }
    }
}

/// A C2SP verifier key, `NAME+KEYHASH+BASE64(TYPE ‖ KEY)`, checked against its own key hash.
struct VerifierKey {
    var name: String
    var material: [UInt8]

    init(_ text: String, type: UInt8) throws(LogError) {
        let parts = text.split(separator: "+", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[0].contains(where: { $0 == " " || $0.isNewline }),
            parts[1].count == 8, let hash = Hex.decode(String(parts[1])),
            let form = Base64.decodeNotingForm(String(parts[2])), form.isStandard, form.bytes.first == type
        else { throw LogError(.malformed, "\"\(text)\" is not a verifier key of signature type \(type)") }
        name = String(parts[0])
        let decoded = form.bytes
        material = Array(decoded.dropFirst())
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [10] + decoded)
        guard Array(hasher.finalize().prefix(4)) == hash else {
            throw LogError(.malformed, "the verifier key \(name)'s key hash does not match its key")
        }
    }
}
