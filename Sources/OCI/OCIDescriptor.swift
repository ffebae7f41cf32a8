import TUF

/// An OCI content descriptor: what a manifest or index says about a blob or manifest it points to.
public struct OCIDescriptor: Sendable, Equatable {
    /// The content's media type.
    public var mediaType: String
    /// Its digest.
    public var digest: OCIDigest
    /// Its size in bytes.
    public var size: Int64
    /// Its artifact type, for a referrer in an index.
    public var artifactType: String?
    /// Its annotations.
    public var annotations: [String: String]
    /// The platform, for an image in an index (`os/architecture[/variant]`).
    public var platform: String?

    /// A descriptor.
    public init(
        mediaType: String,
        digest: OCIDigest,
        size: Int64,
        artifactType: String? = nil,
        annotations: [String: String] = [:],
        platform: String? = nil
    ) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.artifactType = artifactType
        self.annotations = annotations
        self.platform = platform
    }

    /// The descriptor of `content`.
    public init(of content: [UInt8], mediaType: String, artifactType: String? = nil, annotations: [String: String] = [:]) {
        self.init(
            mediaType: mediaType,
            digest: OCIDigest(of: content),
            size: Int64(content.count),
            artifactType: artifactType,
            annotations: annotations
        )
    }

    /// Reads a descriptor object.
    init(_ value: JSONValue, at location: String) throws(OCIError) {
        guard case .object(let object) = value, let mediaType = object["mediaType"]?.stringValue,
            let digestText = object["digest"]?.stringValue, let size = object["size"]?.integerValue, size >= 0
        else { throw OCIError(.malformed, "a descriptor lacks its mediaType, digest or size", at: location) }
        self.mediaType = mediaType
        do {
            digest = try OCIDigest(digestText)
        } catch {
            throw OCIError(.malformed, error.reason, at: location)
        }
        self.size = size
        artifactType = object["artifactType"]?.stringValue
        annotations = Self.annotations(object["annotations"])
        if case .object(let platform)? = object["platform"], let os = platform["os"]?.stringValue,
            let architecture = platform["architecture"]?.stringValue
        {
            self.platform = [os, architecture, platform["variant"]?.stringValue].compactMap { $0 }.joined(separator: "/")
        }
    }

    static func annotations(_ value: JSONValue?) -> [String: String] {
        guard case .object(let object)? = value else { return [:] }
        var annotations: [String: String] = [:]
        for (name, value) in object.membersSortedByUTF8 { annotations[name] = value.stringValue }
        return annotations
    }

    /// The descriptor as JSON.
    public var json: JSONValue {
        var object = JSONObject()
        object["mediaType"] = .string(mediaType)
        object["digest"] = .string(digest.description)
        object["size"] = .integer(size)
        if let artifactType { object["artifactType"] = .string(artifactType) }
        if let platform {
            let parts = platform.split(separator: "/", maxSplits: 2).map(String.init)
            var value = JSONObject()
            value["architecture"] = .string(parts.count > 1 ? parts[1] : "")
            value["os"] = .string(parts[0])
            if parts.count > 2 { value["variant"] = .string(parts[2]) }
            object["platform"] = .object(value)
        }
        if !annotations.isEmpty {
            var values = JSONObject()
            for (name, value) in annotations { values[name] = .string(value) }
            object["annotations"] = .object(values)
        }
        return .object(object)
    }
}
