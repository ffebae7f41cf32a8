import Foundation

/// Snapshot metadata: the current version of every targets metadata file.
public struct Snapshot: RoleMetadata {
    /// The `_type` of snapshot metadata.
    public static let metadataType = "snapshot"
    /// The metadata version, 1 or more.
    public var version: Int
    /// The TUF specification version the metadata follows.
    public var specVersion: String
    /// When the metadata expires.
    public var expires: Date
    /// Meta file entries by file name (`targets.json` and one per delegated role).
    public var meta: [String: MetaFile]
    /// Fields this library does not interpret; written back and signed unchanged.
    public var unrecognizedFields: JSONObject

    /// Snapshot metadata.
    public init(
        version: Int = 1,
        specVersion: String = supportedSpecificationVersion,
        expires: Date,
        meta: [String: MetaFile] = ["targets.json": MetaFile(version: 1)],
        unrecognizedFields: JSONObject = JSONObject()
    ) {
        self.version = version
        self.specVersion = specVersion
        self.expires = expires
        self.meta = meta
        self.unrecognizedFields = unrecognizedFields
    }

    /// Reads the `signed` object, checking every field the specification constrains.
    public init(json: JSONValue) throws(MetadataError) {
        var reader = try FieldReader(json, path: "signed")
        let common = try CommonFields(reading: &reader, type: Self.metadataType)
        version = common.version
        specVersion = common.specVersion
        expires = common.expires
        meta = try reader.dictionary("meta") { (value, path) throws(MetadataError) in try MetaFile(json: value, path: path) }
        unrecognizedFields = reader.remaining
    }

    /// The `signed` object as JSON, unrecognized fields included.
    public var json: JSONValue {
        var object = CommonFields(version: version, specVersion: specVersion, expires: expires).object(type: Self.metadataType)
        object["meta"] = .object(JSONObject(meta) { $0.json })
        object.merge(unrecognized: unrecognizedFields)
        return .object(object)
    }
}
