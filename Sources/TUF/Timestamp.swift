import Foundation

/// Timestamp metadata: the current version of the snapshot metadata.
public struct Timestamp: RoleMetadata {
    public static let metadataType = "timestamp"
    public var version: Int
    public var specVersion: String
    public var expires: Date
    /// Meta file entries by file name; `snapshot.json` is always present.
    public var meta: [String: MetaFile]
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

    public var json: JSONValue {
        var object = CommonFields(version: version, specVersion: specVersion, expires: expires).object(type: Self.metadataType)
        object["meta"] = .object(JSONObject(meta) { $0.json })
        object.merge(unrecognized: unrecognizedFields)
        return .object(object)
    }
}
