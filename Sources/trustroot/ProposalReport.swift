import Ceremony
import Foundation
import TUF

/// What `ceremony status`, `diff` and `sign` show of a proposal, as text and as JSON.
enum ProposalReport {
    /// One proposed role against what was last published.
    struct RoleDiff {
        var role: String
        /// The published version, nil for a role never published.
        var from: Int?
        var to: Int
        var changes: [String]
    }

    static func proposedList(_ proposal: Proposal) -> String {
        proposal.statuses.map { "\($0.role) v\($0.version)" }.joined(separator: ", ")
    }

    static func count(_ verification: ThresholdVerification) -> String {
        "\(verification.signedKeyIDs.count) of \(verification.threshold) required signatures"
    }

    /// Signatures present and needed for each proposed role, and who is still to sign.
    static func status(_ proposal: Proposal) -> String {
        guard !proposal.isEmpty else { return "nothing proposed\n" }
        var lines: [String] = []
        for status in proposal.statuses {
            lines.append("\(status.role) v\(status.version), expires \(MetadataDate.format(status.expires))")
            if status.role == "root" {
                lines.append("  as the new root: \(count(status.verification))")
            } else {
                lines.append("  signatures: \(count(status.verification))")
            }
            if !status.verification.isSatisfied { lines.append("    not yet signed by: \(status.missing.joined(separator: ", "))") }
            if let previousRoot = status.previousRoot, let previous = proposal.root?.previous {
                lines.append("  by root v\(previous.version)'s keys: \(count(previousRoot))")
                if !previousRoot.isSatisfied {
                    lines.append("    not yet signed by: \(status.missingPrevious.joined(separator: ", "))")
                }
            }
        }
        lines.append(proposal.isComplete ? "complete: ready to publish" : "incomplete")
        return lines.joined(separator: "\n") + "\n"
    }

    static func statusJSON(_ proposal: Proposal) -> JSONValue {
        func signatures(_ verification: ThresholdVerification, missing: [String]) -> JSONValue {
            [
                "threshold": .integer(Int64(verification.threshold)),
                "signed": .array(verification.signedKeyIDs.map { keyJSON($0, verification) }),
                "missing": .array(verification.unsignedKeyIDs.map { keyJSON($0, verification) }),
                "missing_labels": .array(missing.map { .string($0) }),
                "satisfied": .bool(verification.isSatisfied),
            ]
        }
        let roles: [JSONValue] = proposal.statuses.map { status in
            var object = JSONObject()
            object["role"] = .string(status.role)
            object["version"] = .integer(Int64(status.version))
            object["expires"] = .string(MetadataDate.format(status.expires))
            object["signatures"] = signatures(status.verification, missing: status.missing)
            if let previousRoot = status.previousRoot, let previous = proposal.root?.previous {
                var previousObject = signatures(previousRoot, missing: status.missingPrevious).objectValue ?? JSONObject()
                previousObject["version"] = .integer(Int64(previous.version))
                object["previous_root_signatures"] = .object(previousObject)
            }
            object["complete"] = .bool(status.isComplete)
            return .object(object)
        }
        return ["proposed": .array(roles), "complete": .bool(proposal.isComplete)]
    }

    private static func keyJSON(_ keyID: String, _ verification: ThresholdVerification) -> JSONValue {
        ["keyid": .string(keyID), "holder": verification.owners[keyID].map { .string($0) } ?? .null]
    }

    /// Each proposed role against what was last published (for a first version, what it sets up).
    static func diff(_ proposal: Proposal) -> [RoleDiff] {
        var roles: [RoleDiff] = []
        if let root = proposal.root {
            roles.append(
                RoleDiff(
                    role: "root",
                    from: root.previous?.version,
                    to: root.metadata.signed.version,
                    changes: RootDiff.changes(from: root.previous, to: root.metadata.signed)
                )
            )
        }
        for role in proposal.proposedRoles where role != "root" {
            guard let metadata = proposal.targets[role] else { continue }
            let previous = proposal.publishedTargets[role]?.signed
            roles.append(
                RoleDiff(
                    role: role,
                    from: previous?.version,
                    to: metadata.signed.version,
                    changes: TargetsDiff.changes(from: previous, to: metadata.signed)
                )
            )
        }
        return roles
    }

    static func diffText(_ roles: [RoleDiff]) -> String {
        guard !roles.isEmpty else { return "nothing proposed\n" }
        var lines: [String] = []
        for role in roles {
            if let from = role.from {
                lines.append("\(role.role) v\(from) → v\(role.to)\(role.changes.isEmpty ? ": only the version changes" : "")")
            } else {
                lines.append("\(role.role) v\(role.to) (first version)")
            }
            lines += role.changes.map { "  \($0)" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func diffJSON(_ roles: [RoleDiff]) -> JSONValue {
        .array(
            roles.map { role in
                [
                    "role": .string(role.role), "from_version": role.from.map { .integer(Int64($0)) } ?? .null,
                    "to_version": .integer(Int64(role.to)), "changes": .array(role.changes.map { .string($0) }),
                ]
            }
        )
    }
}
