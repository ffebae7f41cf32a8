import Foundation
import SigstoreTUF
import TUF
import TUFClient

/// What `client status` and `client refresh` report about a client: each role trusted or why
/// not, delegated roles, pin conflicts, the root's keys, and what the last refresh did.
struct ClientStatus {
    let report: CacheReport
    let settings: ClientSettings
    /// The root versions a refresh walked to, in order (empty for `status`).
    var rootSteps: [Int] = []
    /// The Sigstore files a refresh fetched or found current, by target name.
    var files: [(name: String, path: String)] = []

    /// One line per top-level role: trusted (version, expiry) or the problem.
    struct RoleLine {
        var name: String
        var version: Int?
        var expires: Date?
        var problem: CacheReport.Problem?
    }

    var roles: [RoleLine] {
        let trusted = report.trusted
        var versions: [String: (Int, Date)] = [:]
        if let trusted {
            versions["root"] = (trusted.root.signed.version, trusted.root.signed.expires)
            if let timestamp = trusted.timestamp { versions["timestamp"] = (timestamp.signed.version, timestamp.signed.expires) }
            if let snapshot = trusted.snapshot { versions["snapshot"] = (snapshot.signed.version, snapshot.signed.expires) }
            if let targets = trusted.targets["targets"] {
                versions["targets"] = (targets.metadata.signed.version, targets.metadata.signed.expires)
            }
        }
        return ["root", "timestamp", "snapshot", "targets"].map { name in
            let problem = report.problems.first { $0.role == name }
            return RoleLine(name: name, version: versions[name]?.0, expires: versions[name]?.1, problem: problem)
        }
    }

    /// What to run about a problem.
    static func advice(_ problem: CacheReport.Problem) -> String {
        problem.role == "root" && !problem.missing
            ? "start again with `trustroot client init --force`" : "run `trustroot client refresh`"
    }

    var summaryLine: String {
        let trusted = roles.compactMap { role in role.version.map { "\(role.name) v\($0)" } }
        let expires = report.trusted.map { " (trusted; root expires \(MetadataDate.format($0.root.signed.expires)))" } ?? ""
        return trusted.joined(separator: ", ") + expires
    }

    var text: String {
        var lines = ["repository \(settings.metadataURL.absoluteString)", "targets \(settings.targetsURL.absoluteString)"]
        lines.append("last refresh \(settings.lastRefresh.map(MetadataDate.format) ?? "never")")
        let expired = Set(report.trusted?.expiredRoles ?? [])
        for role in roles {
            if let version = role.version, let expires = role.expires {
                lines.append(
                    "\(role.name) v\(version), expires \(MetadataDate.format(expires))\(expired.contains(role.name) ? " (EXPIRED)" : "")"
                )
            } else if let problem = role.problem {
                let state = problem.missing ? "missing (not in the cache)" : "not trusted: \(problem.reason)"
                lines.append("\(role.name) \(state): \(Self.advice(problem))")
            }
        }
        for conflict in report.pinConflicts {
            lines.append(
                "pin conflict: \(conflict): change the pin with `trustroot client init --force`, or pass --pin-root-version/--min-root-version"
            )
        }
        lines.append(contentsOf: delegatedLines(expired))
        lines.append(contentsOf: rootKeyLines)
        return lines.joined(separator: "\n") + "\n"
    }

    private func delegatedLines(_ expired: Set<String>) -> [String] {
        var lines: [String] = []
        if !report.delegatedRoles.isEmpty || !report.hashBinDelegations.isEmpty { lines.append("delegated roles:") }
        for role in report.delegatedRoles {
            let problem = report.problems.first { $0.role == role.name }
            let state: String
            if let version = role.version, let expires = role.expires {
                state = "v\(version), expires \(MetadataDate.format(expires))\(expired.contains(role.name) ? " (EXPIRED)" : "")"
            } else if let problem {
                state = "not trusted: \(problem.reason)"
            } else {
                state = "not fetched yet (fetched when a target needs it)"
            }
            lines.append("  \(role.name) (from \(role.delegator)) \(state)")
        }
        for bins in report.hashBinDelegations {
            lines.append("  \(bins.namePrefix)-* (from \(bins.delegator)): \(bins.bins) hash-bin roles, fetched when a target needs one")
        }
        return lines
    }

    private var rootKeyLines: [String] {
        guard let root = report.trusted?.root.signed else { return [] }
        var lines: [String] = []
        for name in ["root", "timestamp", "snapshot", "targets"] {
            guard let role = root.roles[name] else { continue }
            lines.append("  \(name) keys: \(role.threshold) of \(role.keyIDs.count)")
            for keyID in role.keyIDs {
                let key = root.keys[keyID]
                let owner = key?.owner.map { " \($0)" } ?? ""
                lines.append("    \(keyID) \(key.map { "\($0.keyType)/\($0.scheme)" } ?? "(missing)")\(owner)")
            }
        }
        return lines
    }

    var json: JSONValue {
        var object = JSONObject()
        object["repository"] = .string(settings.metadataURL.absoluteString)
        object["targets_url"] = .string(settings.targetsURL.absoluteString)
        object["last_refresh"] = settings.lastRefresh.map { .string(MetadataDate.format($0)) } ?? .null
        object["complete"] = .bool(report.isComplete)
        let expired = Set(report.trusted?.expiredRoles ?? [])
        object["roles"] = .array(roles.map { .object(roleJSON($0.name, $0.version, $0.expires, $0.problem, expired)) })
        object["delegated_roles"] = .array(
            report.delegatedRoles.map { role in
                var entry = roleJSON(role.name, role.version, role.expires, report.problems.first { $0.role == role.name }, expired)
                entry["delegator"] = .string(role.delegator)
                return .object(entry)
            }
        )
        object["hash_bin_delegations"] = .array(
            report.hashBinDelegations.map {
                ["delegator": .string($0.delegator), "name_prefix": .string($0.namePrefix), "bins": .integer(Int64($0.bins))]
            }
        )
        object["pin_conflicts"] = .array(report.pinConflicts.map { .string($0) })
        if let root = report.trusted?.root.signed {
            object["root_roles"] = .object(
                JSONObject(root.roles) { ["keyids": .array($0.keyIDs.map { .string($0) }), "threshold": .integer(Int64($0.threshold))] }
            )
        }
        object["root_steps"] = .array(rootSteps.map { .integer(Int64($0)) })
        object["files"] = .object(
            JSONObject(Dictionary(files.map { ($0.name, $0.path) }, uniquingKeysWith: { first, _ in first })) { .string($0) }
        )
        return .object(object)
    }

    private func roleJSON(_ name: String, _ version: Int?, _ expires: Date?, _ problem: CacheReport.Problem?, _ expired: Set<String>)
        -> JSONObject
    {
        var entry = JSONObject()
        entry["name"] = .string(name)
        if let version, let expires {
            entry["state"] = "trusted"
            entry["version"] = .integer(Int64(version))
            entry["expires"] = .string(MetadataDate.format(expires))
            entry["expired"] = .bool(expired.contains(name))
        } else if let problem {
            entry["state"] = .string(problem.missing ? "missing" : "refused")
            entry["reason"] = .string(problem.reason)
        } else {
            entry["state"] = "not fetched"
        }
        return entry
    }
}
