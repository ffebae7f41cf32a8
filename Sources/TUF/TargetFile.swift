/// A target file as targets metadata lists it: its length and hashes, and any custom data.
public struct TargetFile: Sendable, Hashable {
    /// The file's length in bytes.
    public var length: Int
    /// The file's hashes by algorithm name (`sha256`, `sha512`, …); never empty.
    public var hashes: [String: String]
    /// Fields other than `length` and `hashes`, `custom` among them.
    public var unrecognizedFields: JSONObject

    /// A target file entry.
    public init(length: Int, hashes: [String: String], unrecognizedFields: JSONObject = JSONObject()) {
        self.length = length
        self.hashes = hashes
        self.unrecognizedFields = unrecognizedFields
    }

    /// Reads a target file object.
    public init(json: JSONValue, path: String) throws(MetadataError) {
        var reader = try FieldReader(json, path: path)
        length = try reader.integer("length")
        try validateLength(length, path: reader.fieldPath("length"))
        hashes = try reader.dictionary("hashes", FieldReader.string)
        try validateHashes(hashes, path: reader.fieldPath("hashes"))
        unrecognizedFields = reader.remaining
    }

    /// The `custom` object, if the entry has one.
    public var custom: JSONValue? { unrecognizedFields["custom"] }

    /// The target file object as JSON.
    public var json: JSONValue {
        var object = JSONObject()
        object["length"] = .integer(Int64(length))
        object["hashes"] = .object(JSONObject(hashes) { .string($0) })
        object.merge(unrecognized: unrecognizedFields)
        return .object(object)
    }
}
