import TUF

/// Where a key lives on a hardware token: the module that drives the token, which token, and
/// which key on it. Stored in a ceremony workspace instead of any key material.
public struct PKCS11KeyReference: Sendable, Hashable {
    /// Path of the PKCS#11 module (for example `/usr/lib/softhsm/libsofthsm2.so`, or YubiKey's
    /// `libykcs11.so`).
    public var module: String
    /// The token's label, if it is chosen by label.
    public var tokenLabel: String?
    /// The token's serial number, if it is chosen by serial.
    public var tokenSerial: String?
    /// The key's `CKA_ID`, if it is chosen by id (YubiKey PIV slot 9c is id 02).
    public var keyID: [UInt8]?
    /// The key's `CKA_LABEL`, if it is chosen by label.
    public var keyLabel: String?

    /// A reference; give at least one of token label or serial, and of key id or label.
    public init(module: String, tokenLabel: String? = nil, tokenSerial: String? = nil, keyID: [UInt8]? = nil, keyLabel: String? = nil) {
        self.module = module
        self.tokenLabel = tokenLabel
        self.tokenSerial = tokenSerial
        self.keyID = keyID
        self.keyLabel = keyLabel
    }

    /// The reference as JSON, for a workspace file.
    public var json: JSONValue {
        var object = JSONObject()
        object["module"] = .string(module)
        if let tokenLabel { object["token_label"] = .string(tokenLabel) }
        if let tokenSerial { object["token_serial"] = .string(tokenSerial) }
        if let keyID { object["key_id"] = .string(Hex.encode(keyID)) }
        if let keyLabel { object["key_label"] = .string(keyLabel) }
        return .object(object)
    }

    /// Reads a reference written by ``json``.
    public init(json: JSONValue) throws(MetadataError) {
        guard let object = json.objectValue else { throw .wrongType(path: "pkcs11", expected: "an object", found: json.typeName) }
        guard let module = object["module"]?.stringValue else { throw .missingField(path: "pkcs11.module") }
        var keyID: [UInt8]?
        if let hex = object["key_id"]?.stringValue {
            guard let bytes = Hex.decode(hex) else { throw .invalidValue(path: "pkcs11.key_id", reason: "not hex") }
            keyID = bytes
        }
        self.init(
            module: module,
            tokenLabel: object["token_label"]?.stringValue,
            tokenSerial: object["token_serial"]?.stringValue,
            keyID: keyID,
            keyLabel: object["key_label"]?.stringValue
        )
    }
}
