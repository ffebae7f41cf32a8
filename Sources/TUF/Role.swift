/// One of the four top-level roles as the root lists it.
public struct Role: Delegate, Hashable {
    /// The ids of the keys trusted for this role, unique.
    public var keyIDs: [String]
    /// How many distinct keys must sign, 1 or more.
    public var threshold: Int
    /// Fields other than `keyids` and `threshold`.
    public var unrecognizedFields: JSONObject

    /// A role with these keys and threshold.
    public init(keyIDs: [String], threshold: Int, unrecognizedFields: JSONObject = JSONObject()) {
        self.keyIDs = keyIDs
        self.threshold = threshold
        self.unrecognizedFields = unrecognizedFields
    }

    /// Reads a role object.
    public init(json: JSONValue, path: String) throws(MetadataError) {
        var reader = try FieldReader(json, path: path)
        (keyIDs, threshold) = try readKeyIDsAndThreshold(&reader)
        unrecognizedFields = reader.remaining
    }

    /// The role object as JSON.
    public var json: JSONValue {
        var object = JSONObject()
        writeKeyIDsAndThreshold(self, to: &object)
        object.merge(unrecognized: unrecognizedFields)
        return .object(object)
    }
}
