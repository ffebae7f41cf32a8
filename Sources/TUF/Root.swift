import Foundation

/// Root metadata: the keys and thresholds of the four top-level roles.
public struct Root: RoleMetadata {
    /// The `_type` of root metadata.
    public static let metadataType = "root"
    /// The metadata version, 1 or more.
    public var version: Int
    /// The TUF specification version the metadata follows.
    public var specVersion: String
    /// When the metadata expires.
    public var expires: Date
    /// Whether the repository serves consistent snapshots; absent in some older roots.
    public var consistentSnapshot: Bool?
    /// The keys the roles use, by key id.
    public var keys: [String: Key]
    /// The four top-level roles, by name.
    public var roles: [String: Role]
    /// Fields this library does not interpret; written back and signed unchanged.
    public var unrecognizedFields: JSONObject

    /// Root metadata.
    public init(
        version: Int = 1,
        specVersion: String = supportedSpecificationVersion,
        expires: Date,
        consistentSnapshot: Bool? = true,
        keys: [String: Key] = [:],
        roles: [String: Role] = Dictionary(uniqueKeysWithValues: topLevelRoleNames.map { ($0, Role(keyIDs: [], threshold: 1)) }),
        unrecognizedFields: JSONObject = JSONObject()
    ) {
        self.version = version
        self.specVersion = specVersion
        self.expires = expires
        self.consistentSnapshot = consistentSnapshot
        self.keys = keys
        self.roles = roles
        self.unrecognizedFields = unrecognizedFields
    }

    /// Reads the `signed` object, checking every field the specification constrains.
    public init(json: JSONValue) throws(MetadataError) {
        var reader = try FieldReader(json, path: "signed")
        let common = try CommonFields(reading: &reader, type: Self.metadataType)
        version = common.version
        specVersion = common.specVersion
        expires = common.expires
        consistentSnapshot = try reader.optionalBool("consistent_snapshot")
        keys = try reader.dictionary("keys") { (value, path) throws(MetadataError) in try Key(json: value, path: path) }
        roles = try reader.dictionary("roles") { (value, path) throws(MetadataError) in try Role(json: value, path: path) }
        guard Set(roles.keys.map(UTF8Name.init)) == Set(topLevelRoleNames.map(UTF8Name.init)) else {
            throw .invalidValue(
                path: reader.fieldPath("roles"),
                reason: "must name exactly the roles root, timestamp, snapshot and targets"
            )
        }
        unrecognizedFields = reader.remaining
    }

    /// The `signed` object as JSON, unrecognized fields included.
    public var json: JSONValue {
        var object = CommonFields(version: version, specVersion: specVersion, expires: expires).object(type: Self.metadataType)
        if let consistentSnapshot { object["consistent_snapshot"] = .bool(consistentSnapshot) }
        object["keys"] = .object(JSONObject(keys) { $0.json })
        object["roles"] = .object(JSONObject(roles) { $0.json })
        object.merge(unrecognized: unrecognizedFields)
        return .object(object)
    }

    /// Checks `metadata` for the top-level role `roleName` against this root's keys and threshold.
    ///
    /// - Throws: ``MetadataError/invalidValue(path:reason:)`` when `roleName` is not a top-level role.
    public func verifyDelegate<Signed: RoleMetadata>(
        _ roleName: String,
        metadata: Metadata<Signed>
    ) throws(MetadataError) -> ThresholdVerification {
        guard let role = roles[roleName], topLevelRoleNames.contains(roleName) else {
            throw .invalidValue(path: "roles", reason: "root has no role \"\(roleName)\"")
        }
        return ThresholdVerification(role: roleName, delegate: role, keys: keys, metadata: metadata)
    }

    /// Whether `metadata` for the top-level role `roleName` is signed by a threshold of this
    /// root's keys, with no more signature checks than that takes; ``verifyDelegate(_:metadata:)``
    /// says which keys failed.
    ///
    /// - Throws: ``MetadataError/invalidValue(path:reason:)`` when `roleName` is not a top-level role.
    public func meetsThreshold<Signed: RoleMetadata>(_ roleName: String, metadata: Metadata<Signed>) throws(MetadataError)
        -> Bool
    {
        var unused: VerifiedSignatures?
        return try meetsThreshold(roleName, metadata: metadata, memo: &unused)
    }

    /// ``meetsThreshold(_:metadata:)``, counting the signatures `memo` holds for these signed
    /// bytes without verifying them again, and adding the ones it verifies.
    ///
    /// - Throws: ``MetadataError/invalidValue(path:reason:)`` when `roleName` is not a top-level role.
    public func meetsThreshold<Signed: RoleMetadata>(
        _ roleName: String,
        metadata: Metadata<Signed>,
        memo: inout VerifiedSignatures?
    ) throws(MetadataError) -> Bool {
        guard let role = roles[roleName], topLevelRoleNames.contains(roleName) else {
            throw .invalidValue(path: "roles", reason: "root has no role \"\(roleName)\"")
        }
        return ThresholdVerification.isMet(
            delegate: role,
            keys: keys,
            signedBytes: metadata.signedBytes,
            signatures: metadata.signatures,
            memo: &memo
        )
    }
}
