import Foundation
import TUF
import TUFClient

/// What `client status` and `client refresh` report about trusted metadata.
struct ClientStatus {
    let trusted: TrustedMetadataSet
    let settings: ClientSettings

    var roles: [(name: String, version: Int, expires: Date)] {
        var roles = [("root", trusted.root.signed.version, trusted.root.signed.expires)]
        if let timestamp = trusted.timestamp { roles.append(("timestamp", timestamp.signed.version, timestamp.signed.expires)) }
        if let snapshot = trusted.snapshot { roles.append(("snapshot", snapshot.signed.version, snapshot.signed.expires)) }
        if let targets = trusted.targets["targets"] {
            roles.append(("targets", targets.metadata.signed.version, targets.metadata.signed.expires))
        }
        return roles
    }

    var summaryLine: String {
        roles.map { "\($0.name) v\($0.version)" }.joined(separator: ", ")
            + " (trusted; root expires \(MetadataDate.format(trusted.root.signed.expires)))"
    }

    var text: String {
        var lines = ["repository \(settings.metadataURL.absoluteString)"]
        lines.append("last refresh \(settings.lastRefresh.map(MetadataDate.format) ?? "never")")
        let expired = Set(trusted.expiredRoles)
        for role in roles {
            lines.append(
                "\(role.name) v\(role.version), expires \(MetadataDate.format(role.expires))\(expired.contains(role.name) ? " (EXPIRED)" : "")"
            )
        }
        let root = trusted.root.signed
        for name in ["root", "timestamp", "snapshot", "targets"] {
            guard let role = root.roles[name] else { continue }
            lines.append("  \(name) keys: \(role.threshold) of \(role.keyIDs.count)")
            for keyID in role.keyIDs {
                let key = root.keys[keyID]
                let owner = key?.unrecognizedFields["x-tuf-on-ci-keyowner"]?.stringValue.map { " \($0)" } ?? ""
                lines.append("    \(keyID) \(key.map { "\($0.keyType)/\($0.scheme)" } ?? "(missing)")\(owner)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    var json: JSONValue {
        var object = JSONObject()
        object["repository"] = .string(settings.metadataURL.absoluteString)
        object["last_refresh"] = settings.lastRefresh.map { .string(MetadataDate.format($0)) } ?? .null
        let expired = Set(trusted.expiredRoles)
        object["roles"] = .array(
            roles.map {
                [
                    "name": .string($0.name), "version": .integer(Int64($0.version)),
                    "expires": .string(MetadataDate.format($0.expires)), "expired": .bool(expired.contains($0.name)),
                ]
            }
        )
        object["root_roles"] = .object(
            JSONObject(trusted.root.signed.roles) {
                ["keyids": .array($0.keyIDs.map { .string($0) }), "threshold": .integer(Int64($0.threshold))]
            }
        )
        return .object(object)
    }
}
