import Foundation
import TUF

/// What changes between published targets metadata and a proposed version: files in, out and
/// changed, delegations, and expiry, one line each for a key holder to read before signing.
public enum TargetsDiff {
    /// The changes from `old` (nil when the role was never published) to `new`.
    public static func changes(from old: Targets?, to new: Targets) -> [String] {
        var lines: [String] = []
        let before = old?.targets ?? [:]
        if let old {
            if MetadataDate.format(old.expires) != MetadataDate.format(new.expires) {
                lines.append("expires: \(MetadataDate.format(old.expires)) → \(MetadataDate.format(new.expires))")
            }
        } else {
            lines.append("expires: \(MetadataDate.format(new.expires))")
        }
        for (path, file) in new.targets.sorted(by: { $0.key < $1.key }) {
            let digest = file.hashes["sha256"] ?? file.hashes.values.sorted().first ?? "?"
            if let previous = before[path] {
                if previous != file { lines.append("target \(path): changed, now \(file.length) bytes, sha256 \(digest)") }
            } else {
                lines.append("target \(path): + \(file.length) bytes, sha256 \(digest)")
            }
        }
        for path in before.keys.sorted() where new.targets[path] == nil { lines.append("target \(path): - removed") }
        let oldRoles = roles(old?.delegations)
        let newRoles = roles(new.delegations)
        for role in newRoles {
            guard let previous = oldRoles.first(where: { $0.name == role.name }) else {
                lines.append("delegation \(role.name): + \(describe(role, new.delegations))")
                continue
            }
            let was = describe(previous, old?.delegations)
            let now = describe(role, new.delegations)
            if was != now { lines.append("delegation \(role.name): \(was) → \(now)") }
        }
        for role in oldRoles where !newRoles.contains(where: { $0.name == role.name }) {
            lines.append("delegation \(role.name): - removed")
        }
        return lines
    }

    private static func roles(_ delegations: Delegations?) -> [DelegatedRole] {
        if case .list(let roles) = delegations?.roles { return roles }
        return []
    }

    private static func describe(_ role: DelegatedRole, _ delegations: Delegations?) -> String {
        let owners = role.keyIDs.map { keyID in
            delegations?.keys[keyID]?.owner ?? String(keyID.prefix(12))
        }
        let scope: String
        switch role.scope {
        case .paths(let paths): scope = "paths \(paths.joined(separator: ", "))"
        case .pathHashPrefixes(let prefixes): scope = "\(prefixes.count) hash prefixes"
        }
        return "\(role.threshold) of [\(owners.joined(separator: ", "))], \(scope)\(role.terminating ? ", terminating" : "")"
    }
}
