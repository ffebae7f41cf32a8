import Crypto

/// A role that targets metadata delegates to, with the target paths it is trusted for.
public struct DelegatedRole: Delegate, Hashable {
    /// The role's name, also the name of its metadata file.
    public var name: String
    /// The ids of the keys trusted for this role, unique.
    public var keyIDs: [String]
    /// How many distinct keys must sign, 1 or more.
    public var threshold: Int
    /// Whether a search for a target that this role is trusted for stops here.
    public var terminating: Bool
    /// What the role is trusted for: path patterns or hash prefixes, exactly one of the two.
    public var scope: Scope
    /// Fields other than those above.
    public var unrecognizedFields: JSONObject

    /// The target paths a delegated role is trusted for.
    public enum Scope: Sendable, Hashable {
        /// Path patterns (see ``PathPattern``).
        case paths([String])
        /// Prefixes of the hex SHA-256 of the target path.
        case pathHashPrefixes([String])
    }

    /// A delegated role.
    public init(
        name: String,
        keyIDs: [String],
        threshold: Int,
        terminating: Bool,
        scope: Scope,
        unrecognizedFields: JSONObject = JSONObject()
    ) {
        self.name = name
        self.keyIDs = keyIDs
        self.threshold = threshold
        self.terminating = terminating
        self.scope = scope
        self.unrecognizedFields = unrecognizedFields
    }

    /// Reads a delegated role object.
    public init(json: JSONValue, path: String) throws(MetadataError) {
        var reader = try FieldReader(json, path: path)
        name = try reader.string("name")
        (keyIDs, threshold) = try readKeyIDsAndThreshold(&reader)
        terminating = try reader.bool("terminating")
        let paths = try reader.optionalStringArray("paths")
        let prefixes = try reader.optionalStringArray("path_hash_prefixes")
        switch (paths, prefixes) {
        case (let paths?, nil): scope = .paths(paths)
        case (nil, let prefixes?): scope = .pathHashPrefixes(prefixes)
        default:
            throw .invalidValue(path: path, reason: "exactly one of paths and path_hash_prefixes must be set")
        }
        unrecognizedFields = reader.remaining
    }

    /// The delegated role object as JSON.
    public var json: JSONValue {
        var object = JSONObject()
        object["name"] = .string(name)
        writeKeyIDsAndThreshold(self, to: &object)
        object["terminating"] = .bool(terminating)
        switch scope {
        case .paths(let paths): object["paths"] = .array(paths.map { .string($0) })
        case .pathHashPrefixes(let prefixes): object["path_hash_prefixes"] = .array(prefixes.map { .string($0) })
        }
        object.merge(unrecognized: unrecognizedFields)
        return .object(object)
    }

    /// Whether this role is trusted for `targetPath`.
    public func isDelegatedPath(_ targetPath: String) -> Bool {
        switch scope {
        case .paths(let patterns):
            return patterns.contains { PathPattern($0).matches(targetPath) }
        case .pathHashPrefixes(let prefixes):
            let digest = Hex.encode(SHA256.hash(data: Array(targetPath.utf8)))
            return prefixes.contains { digest.utf8.starts(with: $0.utf8) }
        }
    }
}
