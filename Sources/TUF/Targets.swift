import Foundation

/// Targets metadata: target files by path, and delegations to other roles.
public struct Targets: RoleMetadata {
    /// The `_type` of targets metadata.
    public static let metadataType = "targets"
    /// The metadata version, 1 or more.
    public var version: Int
    /// The TUF specification version the metadata follows.
    public var specVersion: String
    /// When the metadata expires.
    public var expires: Date
    /// Target files by path.
    public var targets: [String: TargetFile]
    /// The roles this role delegates to, if any.
    public var delegations: Delegations?
    /// Fields this library does not interpret; written back and signed unchanged.
    public var unrecognizedFields: JSONObject

    /// Targets metadata.
    public init(
        version: Int = 1,
        specVersion: String = supportedSpecificationVersion,
        expires: Date,
        targets: [String: TargetFile] = [:],
        delegations: Delegations? = nil,
        unrecognizedFields: JSONObject = JSONObject()
    ) {
        self.version = version
        self.specVersion = specVersion
        self.expires = expires
        self.targets = targets
        self.delegations = delegations
        self.unrecognizedFields = unrecognizedFields
    }

    /// Reads the `signed` object, checking every field the specification constrains.
    public init(json: JSONValue) throws(MetadataError) {
        var reader = try FieldReader(json, path: "signed")
        let common = try CommonFields(reading: &reader, type: Self.metadataType)
        version = common.version
        specVersion = common.specVersion
        expires = common.expires
        targets = try reader.dictionary("targets") { (value, path) throws(MetadataError) in
            try TargetFile(json: value, path: path)
        }
        delegations = try reader.take("delegations").map { (value) throws(MetadataError) in
            try Delegations(json: value, path: "signed.delegations")
        }
        unrecognizedFields = reader.remaining
    }

    /// The `signed` object as JSON, unrecognized fields included.
    public var json: JSONValue {
        var object = CommonFields(version: version, specVersion: specVersion, expires: expires).object(type: Self.metadataType)
        object["targets"] = .object(JSONObject(targets) { $0.json })
        if let delegations { object["delegations"] = delegations.json }
        object.merge(unrecognized: unrecognizedFields)
        return .object(object)
    }

    /// Checks `metadata` for the delegated role `roleName` against these delegations' keys and
    /// the role's threshold.
    ///
    /// - Throws: ``MetadataError/invalidValue(path:reason:)`` when this role does not delegate to `roleName`.
    public func verifyDelegate<Signed: RoleMetadata>(
        _ roleName: String,
        metadata: Metadata<Signed>
    ) throws(MetadataError) -> ThresholdVerification {
        guard let delegations, let delegate = delegations.delegate(named: roleName) else {
            throw .invalidValue(path: "signed.delegations", reason: "no delegation to role \"\(roleName)\"")
        }
        return ThresholdVerification(role: roleName, delegate: delegate, keys: delegations.keys, metadata: metadata)
    }

    /// Whether `metadata` for the delegated role `roleName` is signed by a threshold of the
    /// role's keys, with no more signature checks than that takes; ``verifyDelegate(_:metadata:)``
    /// says which keys failed.
    ///
    /// - Throws: ``MetadataError/invalidValue(path:reason:)`` when this role does not delegate to `roleName`.
    public func meetsThreshold<Signed: RoleMetadata>(_ roleName: String, metadata: Metadata<Signed>) throws(MetadataError)
        -> Bool
    {
        guard let delegations, let delegate = delegations.delegate(named: roleName) else {
            throw .invalidValue(path: "signed.delegations", reason: "no delegation to role \"\(roleName)\"")
        }
        return ThresholdVerification.isMet(
            delegate: delegate,
            keys: delegations.keys,
            signedBytes: metadata.signedBytes,
            signatures: metadata.signatures
        )
    }
}
