import Foundation
import TUF

/// Problems in root metadata that key holders should see before they sign it. Each finding
/// names the role or key it is about; none of them makes the metadata invalid.
public enum RootLint {
    /// One finding.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        /// A short stable name for the rule.
        public let rule: String
        /// What is wrong, for people.
        public let message: String

        /// The finding as one line.
        public var description: String { "\(rule): \(message)" }
    }

    /// The custom fields tuf-on-ci keeps on each role, in days.
    static let expiryPeriodField = "x-tuf-on-ci-expiry-period"
    static let signingPeriodField = "x-tuf-on-ci-signing-period"

    /// Checks `root` at `now`.
    public static func check(_ root: Root, now: Date = Date()) -> [Finding] {
        var findings: [Finding] = []
        if let rootRole = root.roles["root"], rootRole.threshold == 1 {
            findings.append(
                Finding(
                    rule: "root-threshold-1",
                    message: "the root role needs only one signature: one lost or stolen key can replace the whole root"
                )
            )
        }
        for name in ["root", "timestamp", "snapshot", "targets"] {
            guard let role = root.roles[name] else { continue }
            if role.threshold > role.keyIDs.count {
                findings.append(
                    Finding(
                        rule: "threshold-unreachable",
                        message: "\(name) needs \(role.threshold) signatures but lists \(role.keyIDs.count) keys"
                    )
                )
            }
            let expiry = role.unrecognizedFields[expiryPeriodField]?.integerValue
            let signing = role.unrecognizedFields[signingPeriodField]?.integerValue
            if let expiry, let signing, expiry <= signing {
                findings.append(
                    Finding(
                        rule: "expiry-within-signing-period",
                        message:
                            "\(name) expires after \(expiry) days but its signing period is \(signing) days: signers would be asked to sign metadata that has already expired"
                    )
                )
            }
        }
        if let signing = root.roles["root"]?.unrecognizedFields[signingPeriodField]?.integerValue,
            root.expires.timeIntervalSince(now) < Double(signing) * 86_400
        {
            findings.append(
                Finding(
                    rule: "root-expires-soon",
                    message: "root expires on \(MetadataDate.format(root.expires)), within its \(signing)-day signing period"
                )
            )
        }
        // The online key signs automatically; a root key must never be one a server holds.
        let rootIdentities = Set((root.roles["root"]?.keyIDs ?? []).compactMap { root.keys[$0]?.identity ?? Array($0.utf8) })
        for name in ["timestamp", "snapshot"] {
            for keyID in root.roles[name]?.keyIDs ?? [] {
                let identity = root.keys[keyID]?.identity ?? Array(keyID.utf8)
                if rootIdentities.contains(identity) {
                    findings.append(
                        Finding(
                            rule: "online-root-key",
                            message:
                                "key \(root.keys[keyID]?.owner.map { "\($0) (\(keyID))" } ?? keyID) signs both root and the online role \(name)"
                        )
                    )
                }
            }
        }
        return findings
    }

    /// Checks that every key holder `config` names signs some role: a holder with no role has
    /// no signature to give, which usually means a role's holder list forgot them.
    public static func checkHolders(_ config: CeremonyConfig) -> [Finding] {
        let signing = Set(config.root.holders + config.targets.holders + config.delegations.flatMap(\.role.holders))
        return config.holders.filter { !signing.contains($0.name) }.map {
            Finding(
                rule: "holder-without-role",
                message: "key holder \($0.name) signs no role, so has no signature to give: add them to a role or remove them"
            )
        }
    }
}
