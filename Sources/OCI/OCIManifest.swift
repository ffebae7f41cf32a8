import TUF

/// An image manifest or an image index (OCI, or Docker schema 2), read from the bytes its digest
/// covers.
public struct OCIManifest: Sendable {
    /// The media types asked for when resolving a reference.
    public static let acceptedMediaTypes = [
        imageManifest, imageIndex, "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
    /// The OCI image manifest media type.
    public static let imageManifest = "application/vnd.oci.image.manifest.v1+json"
    /// The OCI image index media type.
    public static let imageIndex = "application/vnd.oci.image.index.v1+json"
    /// The OCI empty descriptor's media type, for artifacts without a config.
    public static let emptyMediaType = "application/vnd.oci.empty.v1+json"

    /// The bytes, as served and hashed.
    public let bytes: [UInt8]
    /// The media type.
    public let mediaType: String
    /// The config descriptor (image manifests).
    public let config: OCIDescriptor?
    /// The layers (image manifests) or the manifests (indexes).
    public let entries: [OCIDescriptor]
    /// The manifest it refers to, for a referrer.
    public let subject: OCIDescriptor?
    /// The artifact type, for an artifact manifest.
    public let artifactType: String?
    /// The annotations.
    public let annotations: [String: String]

    /// Whether this is an index.
    public var isIndex: Bool { config == nil }

    /// Reads a manifest; `mediaType` is the one the registry named, used when the manifest
    /// names none.
    public init(bytes: [UInt8], mediaType servedType: String? = nil, at location: String) throws(OCIError) {
        guard case .object(let object)? = try? JSONParser().parse(bytes), object["schemaVersion"]?.integerValue == 2 else {
            throw OCIError(.malformed, "the manifest is not a JSON object of schema version 2", at: location)
        }
        self.bytes = bytes
        guard let mediaType = object["mediaType"]?.stringValue ?? servedType else {
            throw OCIError(.malformed, "the manifest names no media type", at: location)
        }
        self.mediaType = mediaType
        if case .array(let manifests)? = object["manifests"] {
            config = nil
            guard manifests.count <= 10_000 else { throw OCIError(.malformed, "the index lists too many manifests", at: location) }
            entries = try manifests.map { (value) throws(OCIError) in try OCIDescriptor(value, at: location) }
        } else {
            guard let configValue = object["config"], case .array(let layers)? = object["layers"], layers.count <= 10_000 else {
                throw OCIError(.malformed, "the manifest has neither manifests nor a config and layers", at: location)
            }
            config = try OCIDescriptor(configValue, at: location)
            entries = try layers.map { (value) throws(OCIError) in try OCIDescriptor(value, at: location) }
        }
        subject = try object["subject"].map { (value) throws(OCIError) in try OCIDescriptor(value, at: location) }
        artifactType = object["artifactType"]?.stringValue
        annotations = OCIDescriptor.annotations(object["annotations"])
    }

    /// The bytes of an image manifest with these parts, in RFC 8785's form so that its digest is
    /// stable.
    public static func imageManifestBytes(
        config: OCIDescriptor,
        layers: [OCIDescriptor],
        subject: OCIDescriptor? = nil,
        artifactType: String? = nil,
        annotations: [String: String] = [:]
    ) -> [UInt8] {
        var object = JSONObject()
        object["schemaVersion"] = .integer(2)
        object["mediaType"] = .string(imageManifest)
        if let artifactType { object["artifactType"] = .string(artifactType) }
        object["config"] = config.json
        object["layers"] = .array(layers.map(\.json))
        if let subject { object["subject"] = subject.json }
        if !annotations.isEmpty {
            var values = JSONObject()
            for (name, value) in annotations { values[name] = .string(value) }
            object["annotations"] = .object(values)
        }
        return jsonBytes(.object(object))
    }

    /// `value` as JSON with every string escaped as RFC 8259 requires (annotations hold
    /// newlines, which TUF's canonical form writes raw): RFC 8785's form, or for integers beyond
    /// its exact range, pretty-printed.
    public static func jsonBytes(_ value: JSONValue) -> [UInt8] {
        (try? RFC8785.encode(value)) ?? JSONWriter.prettyPrinted(value)
    }

    /// The bytes of an image index listing `manifests`.
    public static func imageIndexBytes(_ manifests: [OCIDescriptor]) -> [UInt8] {
        var object = JSONObject()
        object["schemaVersion"] = .integer(2)
        object["mediaType"] = .string(imageIndex)
        object["manifests"] = .array(manifests.map(\.json))
        return jsonBytes(.object(object))
    }
}
