import Foundation
import TUF

/// What changes between a published root and a proposed one, in the terms a key holder checks
/// before signing: keys in and out, thresholds, expiry, owners.
public enum RootDiff {
    /// The changes from `old` to `new`, one line each, in a stable order; empty when only the
    /// version changed.
    public static func changes(from old: Root, to new: Root) -> [String] {
        changes(from: Optional(old), to: new)
    }

    /// The changes from `old` to `new`; with no `old` (the first root), what `new` sets up:
    /// expiry, each role's threshold and keys.
    public static func changes(from old: Root?, to new: Root) -> [String] {
        guard let old else { return firstRoot(new) }
        var lines: [String] = []
        // Compared as written: what is signed is the date to the second.
        if MetadataDate.format(old.expires) != MetadataDate.format(new.expires) {
            lines.append("expires: \(MetadataDate.format(old.expires)) → \(MetadataDate.format(new.expires))")
        }
        if old.consistentSnapshot != new.consistentSnapshot {
            lines.append("consistent_snapshot: \(describe(old.consistentSnapshot)) → \(describe(new.consistentSnapshot))")
        }
        for name in ["root", "timestamp", "snapshot", "targets"] {
            let before = old.roles[name]
            let after = new.roles[name]
            if before?.threshold != after?.threshold {
                lines.append("\(name): threshold \(before?.threshold ?? 0) → \(after?.threshold ?? 0)")
            }
            let oldKeys = Dictionary(keys(of: before, in: old), uniquingKeysWith: { first, _ in first })
            let newKeys = Dictionary(keys(of: after, in: new), uniquingKeysWith: { first, _ in first })
            for (identity, entry) in newKeys.sorted(by: { $0.value.id < $1.value.id }) where oldKeys[identity] == nil {
                lines.append("\(name): + key \(entry.id) \(entry.label)")
            }
            for (identity, entry) in oldKeys.sorted(by: { $0.value.id < $1.value.id }) where newKeys[identity] == nil {
                lines.append("\(name): - key \(entry.id) \(entry.label)")
            }
            for (identity, entry) in newKeys.sorted(by: { $0.value.id < $1.value.id }) {
                guard let previous = oldKeys[identity] else { continue }
                if previous.id != entry.id { lines.append("\(name): key \(previous.id) is now listed as \(entry.id)") }
                if previous.owner != entry.owner {
                    lines.append("\(name): key \(entry.id) owner \(previous.owner ?? "none") → \(entry.owner ?? "none")")
                }
            }
        }
        return lines
    }

    private static func firstRoot(_ root: Root) -> [String] {
        var lines = ["expires: \(MetadataDate.format(root.expires))", "consistent_snapshot: \(describe(root.consistentSnapshot))"]
        for name in ["root", "timestamp", "snapshot", "targets"] {
            guard let role = root.roles[name] else { continue }
            lines.append("\(name): threshold \(role.threshold) of \(role.keyIDs.count) keys")
            for (_, entry) in keys(of: role, in: root) { lines.append("\(name): + key \(entry.id) \(entry.label)") }
        }
        return lines
    }

    private static func describe(_ flag: Bool?) -> String { flag.map(String.init) ?? "absent" }

    private static func keys(of role: Role?, in root: Root) -> [([UInt8], (id: String, label: String, owner: String?))] {
        (role?.keyIDs ?? []).map { keyID in
            let key = root.keys[keyID]
            let owner = key?.owner
            let label = [key.map { "\($0.keyType)/\($0.scheme)" } ?? "(not listed)", owner].compactMap { $0 }.joined(separator: " ")
            return (key?.identity ?? Array(keyID.utf8), (keyID, label, owner))
        }
    }
}
