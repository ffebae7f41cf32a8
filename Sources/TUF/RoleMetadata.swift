import Foundation

/// What the four kinds of TUF metadata (`root`, `timestamp`, `snapshot`, `targets`) share: the
/// contents of the `signed` object.
public protocol RoleMetadata: Sendable, Hashable {
    /// The `_type` value of this kind of metadata.
    static var metadataType: String { get }
    /// The metadata version, 1 or more.
    var version: Int { get set }
    /// The TUF specification version the metadata follows, such as `1.0.31`.
    var specVersion: String { get set }
    /// When the metadata expires.
    var expires: Date { get set }
    /// Fields of the `signed` object that this library does not interpret; they are written
    /// back and signed unchanged.
    var unrecognizedFields: JSONObject { get set }

    /// Reads the `signed` object.
    init(json: JSONValue) throws(MetadataError)
    /// The `signed` object as JSON.
    var json: JSONValue { get }
}

extension RoleMetadata {
    /// Whether the metadata has expired at `referenceTime` (expiry is exclusive, as python-tuf has it).
    public func isExpired(at referenceTime: Date) -> Bool {
        referenceTime >= expires
    }
}

/// The specification version this library writes.
public let supportedSpecificationVersion = "1.0.31"

/// The fields every `signed` object carries.
struct CommonFields {
    var version: Int
    var specVersion: String
    var expires: Date

    /// Reads `_type`, `spec_version`, `version` and `expires`, checking each.
    init(reading reader: inout FieldReader, type expectedType: String) throws(MetadataError) {
        let type = try reader.string("_type")
        guard type.utf8.elementsEqual(expectedType.utf8) else {
            throw .wrongMetadataType(expected: expectedType, found: type)
        }
        specVersion = try reader.string("spec_version")
        let parts = specVersion.split(separator: ".", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count),
            parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } })
        else {
            throw .invalidValue(path: reader.fieldPath("spec_version"), reason: "\"\(specVersion)\" is not a version number")
        }
        guard parts[0] == "1" else {
            throw .invalidValue(
                path: reader.fieldPath("spec_version"),
                reason: "specification version \(specVersion) is not supported (major version must be 1)"
            )
        }
        version = try reader.integer("version")
        try validateVersion(version, path: reader.fieldPath("version"))
        let expiresString = try reader.string("expires")
        guard let date = MetadataDate.parse(expiresString) else {
            throw .invalidValue(
                path: reader.fieldPath("expires"),
                reason: "\"\(expiresString)\" is not a date of the form YYYY-MM-DDTHH:MM:SSZ"
            )
        }
        expires = date
    }

    init(version: Int, specVersion: String, expires: Date) {
        self.version = version
        self.specVersion = specVersion
        self.expires = expires
    }

    /// A JSON object with the common fields filled in.
    func object(type: String) -> JSONObject {
        var object = JSONObject()
        object["_type"] = .string(type)
        object["spec_version"] = .string(specVersion)
        object["version"] = .integer(Int64(version))
        object["expires"] = .string(MetadataDate.format(expires))
        return object
    }
}
