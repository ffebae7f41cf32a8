import Crypto

/// A public key as TUF metadata lists it: `keytype`, `scheme` and `keyval` with its `public` value.
///
/// Keys of a type or scheme this library does not support are kept as data, written back
/// unchanged, and verify no signature.
public struct Key: Sendable {
    /// The key type, such as `ed25519`, `ecdsa` or `rsa`.
    public let keyType: String
    /// The signature scheme, such as `ed25519`, `ecdsa-sha2-nistp256` or `rsassa-pss-sha256`.
    public let scheme: String
    /// The whole `keyval` object, including members other than `public`.
    public let keyValue: JSONObject
    /// Fields of the key object other than `keytype`, `scheme` and `keyval`
    /// (`keyid_hash_algorithms`, `x-tuf-on-ci-keyowner`, …).
    public var unrecognizedFields: JSONObject
    let verifier: PublicKeyVerifier?
    /// ``identity``, worked out once.
    private let storedIdentity: [UInt8]?

    /// The field tuf-on-ci (and TrustRoot's ceremony) names a key's holder in.
    public static let ownerField = "x-tuf-on-ci-keyowner"

    /// The key's holder, as ``ownerField`` names it.
    public var owner: String? { unrecognizedFields[Self.ownerField]?.stringValue }

    /// A key with these fields; `publicValue` is hex for Ed25519 and PEM for ECDSA and RSA.
    public init(keyType: String, scheme: String, publicValue: String, unrecognizedFields: JSONObject = JSONObject()) {
        var keyValue = JSONObject()
        keyValue["public"] = .string(publicValue)
        self.init(keyType: keyType, scheme: scheme, keyValue: keyValue, unrecognizedFields: unrecognizedFields)
    }

    private init(keyType: String, scheme: String, keyValue: JSONObject, unrecognizedFields: JSONObject) {
        self.keyType = keyType
        self.scheme = scheme
        self.keyValue = keyValue
        self.unrecognizedFields = unrecognizedFields
        let parsed = keyValue["public"]?.stringValue.flatMap {
            PublicKeyVerifierCache.shared.verifier(keyType: keyType, scheme: scheme, publicValue: $0)
        }
        self.verifier = parsed?.verifier
        self.storedIdentity = parsed?.identity
    }

    /// Reads a key object.
    public init(json: JSONValue, path: String = "key") throws(MetadataError) {
        var reader = try FieldReader(json, path: path)
        let keyType = try reader.string("keytype")
        let scheme = try reader.string("scheme")
        let keyValue = try FieldReader(reader.required("keyval"), path: reader.fieldPath("keyval"))
        guard let publicValue = keyValue.remaining["public"] else {
            throw .missingField(path: keyValue.fieldPath("public"))
        }
        _ = try FieldReader.string(publicValue, path: keyValue.fieldPath("public"))
        self.init(keyType: keyType, scheme: scheme, keyValue: keyValue.remaining, unrecognizedFields: reader.remaining)
    }

    /// The `public` member of `keyval`.
    public var publicValue: String { keyValue["public"]?.stringValue ?? "" }

    /// Whether this library can verify signatures by this key.
    public var isSupported: Bool { verifier != nil }

    /// The key object as JSON.
    public var json: JSONValue {
        var object = JSONObject()
        object["keytype"] = .string(keyType)
        object["scheme"] = .string(scheme)
        object["keyval"] = .object(keyValue)
        object.merge(unrecognized: unrecognizedFields)
        return .object(object)
    }

    /// The key id TUF defines: the SHA-256, in hex, of the canonical JSON of the key object,
    /// unrecognized fields included. Metadata may name a key by another id; nothing here
    /// requires the two to agree.
    public var keyID: String {
        Hex.encode(SHA256.hash(data: CanonicalJSON.encode(json)))
    }

    /// The key's material in a normal form, to tell when two key entries are one key.
    /// `nil` for an unsupported key.
    public var identity: [UInt8]? { storedIdentity }

    /// Whether `signature` is a valid signature by this key over `message`. Always false for
    /// an unsupported key.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        verifier?.isValidSignature(signature, for: message) ?? false
    }

    /// ``isValidSignature(_:for:)`` with the message's digests shared between checks.
    func isValidSignature(_ signature: [UInt8], for message: SignedMessage) -> Bool {
        verifier?.isValidSignature(signature, for: message) ?? false
    }
}

extension Key: Hashable {
    /// Equality as this type defines it: strings and names compare by their UTF-8 bytes.
    public static func == (lhs: Key, rhs: Key) -> Bool { lhs.json == rhs.json }
    /// Hashes consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(json) }
}
