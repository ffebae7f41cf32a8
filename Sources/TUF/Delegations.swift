/// The `delegations` of targets metadata: keys, and either an ordered list of roles or
/// succinct hash-bin roles.
public struct Delegations: Sendable, Hashable {
    /// The keys the delegated roles use, by key id.
    public var keys: [String: Key]
    /// The roles, as listed or as hash bins.
    public var roles: DelegatedRoles
    /// Fields other than `keys`, `roles` and `succinct_roles`.
    public var unrecognizedFields: JSONObject

    /// How a targets role delegates.
    public enum DelegatedRoles: Sendable, Hashable {
        /// Roles in the order a search visits them.
        case list([DelegatedRole])
        /// Hash-bin roles described in one entry.
        case succinct(SuccinctRoles)
    }

    /// Delegations.
    public init(keys: [String: Key], roles: DelegatedRoles, unrecognizedFields: JSONObject = JSONObject()) {
        self.keys = keys
        self.roles = roles
        self.unrecognizedFields = unrecognizedFields
    }

    /// Reads a `delegations` object. Role names must be unique, non-empty and not those of
    /// top-level roles.
    public init(json: JSONValue, path: String) throws(MetadataError) {
        var reader = try FieldReader(json, path: path)
        keys = try reader.dictionary("keys") { (value, keyPath) throws(MetadataError) in try Key(json: value, path: keyPath) }
        let list = reader.take("roles")
        let succinct = reader.take("succinct_roles")
        switch (list, succinct) {
        case (let list?, nil):
            guard case .array(let elements) = list else {
                throw .wrongType(path: reader.fieldPath("roles"), expected: "an array", found: list.typeName)
            }
            var roles: [DelegatedRole] = []
            var names = Set<UTF8Name>()
            for (index, element) in elements.enumerated() {
                let rolePath = "\(reader.fieldPath("roles"))[\(index)]"
                let role = try DelegatedRole(json: element, path: rolePath)
                guard !role.name.isEmpty, !topLevelRoleNames.contains(role.name) else {
                    throw .invalidValue(path: rolePath, reason: "a delegated role cannot be named \"\(role.name)\"")
                }
                guard names.insert(UTF8Name(role.name)).inserted else {
                    throw .invalidValue(path: rolePath, reason: "role \"\(role.name)\" is delegated twice")
                }
                roles.append(role)
            }
            self.roles = .list(roles)
        case (nil, let succinct?):
            roles = .succinct(try SuccinctRoles(json: succinct, path: reader.fieldPath("succinct_roles")))
        default:
            throw .invalidValue(path: path, reason: "exactly one of roles and succinct_roles must be set")
        }
        unrecognizedFields = reader.remaining
    }

    /// The `delegations` object as JSON.
    public var json: JSONValue {
        var object = JSONObject()
        object["keys"] = .object(JSONObject(keys) { $0.json })
        switch roles {
        case .list(let list): object["roles"] = .array(list.map(\.json))
        case .succinct(let succinct): object["succinct_roles"] = succinct.json
        }
        object.merge(unrecognized: unrecognizedFields)
        return .object(object)
    }

    /// The roles trusted for `targetPath`, in the order a search visits them, each with whether
    /// it is terminating. For hash bins, the one bin role (never terminating).
    public func rolesForTarget(_ targetPath: String) -> [(name: String, delegate: any Delegate, terminating: Bool)] {
        switch roles {
        case .list(let list):
            return list.filter { $0.isDelegatedPath(targetPath) }.map { ($0.name, $0, $0.terminating) }
        case .succinct(let succinct):
            return [(succinct.roleName(forTarget: targetPath), succinct, false)]
        }
    }

    /// The delegate for the role called `name`, if this delegates to it.
    public func delegate(named name: String) -> (any Delegate)? {
        switch roles {
        case .list(let list): return list.first { $0.name.utf8.elementsEqual(name.utf8) }
        case .succinct(let succinct): return succinct.isDelegatedRole(name) ? succinct : nil
        }
    }
}

/// The names of the four top-level roles.
public let topLevelRoleNames: Set<String> = ["root", "timestamp", "snapshot", "targets"]
