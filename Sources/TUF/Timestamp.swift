import Foundation

/// Timestamp metadata: the current version of the snapshot metadata.
public struct Timestamp: RoleMetadata {
    /// The `_type` of timestamp metadata.
    public static let metadataType = "timestamp"
    /// The metadata version, 1 or more.
    public var version: Int
    /// The TUF specification version the metadata follows.
    public var specVersion: String
    /// When the metadata expires.
    public var expires: Date
    /// Meta file entries by file name; `snapshot.json` is always present.
    public var meta: [String: MetaFile]
    /// Fields this library does not interpret; written back and signed unchanged.
    public var unrecognizedFields: JSONObject

    /// Timestamp metadata.
    public init(
        version: Int = 1,
        specVersion: String = supportedSpecificationVersion,
        expires: Date,
        snapshotMeta: MetaFile = MetaFile(version: 1),
        unrecognizedFields: JSONObject = JSONObject()
    ) {
        self.version = version
        self.specVersion = specVersion
        self.expires = expires
        self.meta = ["snapshot.json": snapshotMeta]
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
        guard meta["snapshot.json"] != nil else { throw .missingField(path: "signed.meta[\"snapshot.json\"]") }
        unrecognizedFields = reader.remaining
    }

    /// What the timestamp says of `snapshot.json`.
    public var snapshotMeta: MetaFile {
        get { meta["snapshot.json"]! }
        set { meta["snapshot.json"] = newValue }
    }

    /// The `signed` object as JSON, unrecognized fields included.
    public var json: JSONValue {
        var object = CommonFields(version: version, specVersion: specVersion, expires: expires).object(type: Self.metadataType)
        object["meta"] = .object(JSONObject(meta) { $0.json })
        object.merge(unrecognized: unrecognizedFields)
        return .object(object)
    }
}
