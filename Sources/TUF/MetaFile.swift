/// What timestamp and snapshot metadata say about another metadata file: its version and,
/// optionally, its length and hashes.
public struct MetaFile: Sendable, Hashable {
    /// The version of the file, 1 or more.
    public var version: Int
    /// The file's length in bytes, when given.
    public var length: Int?
    /// The file's hashes by algorithm name, when given; never empty.
    public var hashes: [String: String]?
    /// Fields other than `version`, `length` and `hashes`.
    public var unrecognizedFields: JSONObject

    /// A meta file entry.
    public init(version: Int, length: Int? = nil, hashes: [String: String]? = nil, unrecognizedFields: JSONObject = JSONObject()) {
        self.version = version
        self.length = length
        self.hashes = hashes
        self.unrecognizedFields = unrecognizedFields
    }

    /// Reads a meta file object.
    public init(json: JSONValue, path: String) throws(MetadataError) {
        var reader = try FieldReader(json, path: path)
        version = try reader.integer("version")
        try validateVersion(version, path: reader.fieldPath("version"))
        length = try reader.optionalInteger("length")
        if let length { try validateLength(length, path: reader.fieldPath("length")) }
        hashes = try reader.optionalDictionary("hashes", FieldReader.string)
        if let hashes { try validateHashes(hashes, path: reader.fieldPath("hashes")) }
        unrecognizedFields = reader.remaining
    }

    /// The meta file object as JSON.
    public var json: JSONValue {
        var object = JSONObject()
        object["version"] = .integer(Int64(version))
        if let length { object["length"] = .integer(Int64(length)) }
        if let hashes { object["hashes"] = .object(JSONObject(hashes) { .string($0) }) }
        object.merge(unrecognized: unrecognizedFields)
        return .object(object)
    }
}

func validateLength(_ length: Int, path: String) throws(MetadataError) {
    guard length >= 0 else { throw .invalidValue(path: path, reason: "must not be negative, is \(length)") }
    guard length <= MetadataLimits.largestInteger else {
        throw .invalidValue(path: path, reason: "is \(length), more than \(MetadataLimits.largestInteger)")
    }
}

/// Refuses a version below 1 or above ``MetadataLimits/largestInteger``.
func validateVersion(_ version: Int, path: String) throws(MetadataError) {
    guard version >= 1 else { throw .invalidValue(path: path, reason: "must be 1 or more, is \(version)") }
    guard version <= MetadataLimits.largestInteger else {
        throw .invalidValue(path: path, reason: "is \(version), more than \(MetadataLimits.largestInteger)")
    }
}

/// Bounds on the integers metadata may hold.
public enum MetadataLimits {
    /// The largest version or length accepted: 2^53 − 1, the largest integer every JSON reader
    /// holds exactly. Far below `Int.max`, so a version + 1 or a length + 1 cannot overflow.
    public static let largestInteger = (1 << 53) - 1
}

func validateHashes(_ hashes: [String: String], path: String) throws(MetadataError) {
    guard !hashes.isEmpty else { throw .invalidValue(path: path, reason: "must name at least one hash") }
}
