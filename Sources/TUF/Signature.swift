/// One entry of a metadata file's `signatures` list.
public struct Signature: Sendable, Hashable {
    /// The id of the key said to have made the signature.
    public var keyID: String
    /// The signature in hex, exactly as written; it may be empty or malformed, in which case it
    /// counts for nothing.
    public var signature: String
    /// Fields other than `keyid` and `sig`.
    public var unrecognizedFields: JSONObject

    /// A signature entry.
    public init(keyID: String, signature: String, unrecognizedFields: JSONObject = JSONObject()) {
        self.keyID = keyID
        self.signature = signature
        self.unrecognizedFields = unrecognizedFields
    }

    /// Reads a signature object.
    public init(json: JSONValue, path: String) throws(MetadataError) {
        var reader = try FieldReader(json, path: path)
        keyID = try reader.string("keyid")
        signature = try reader.string("sig")
        unrecognizedFields = reader.remaining
    }

    /// The signature object as JSON.
    public var json: JSONValue {
        var object = JSONObject()
        object["keyid"] = .string(keyID)
        object["sig"] = .string(signature)
        object.merge(unrecognized: unrecognizedFields)
        return .object(object)
    }
}
