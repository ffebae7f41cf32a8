import Foundation
import TUF

/// When each role of a published repository expires, and whether it is due for renewal: what
/// `trustroot repo check` reports for schedules and CI.
///
/// A role is due when it expires within its signing period: the role's
/// `x-tuf-on-ci-signing-period` (in the root for top-level roles, in the delegation for
/// delegated ones), else half the online roles' lifetime (`x-tuf-on-ci-expiry-period`, else the
/// defaults `repo` renews with), else ``defaultOfflineSigningPeriodDays`` for root and targets
/// roles, as tuf-on-ci opens a signing event that long before expiry.
public struct RepositoryExpiry: Sendable {
    /// The signing period of root and targets roles that name none, in days.
    public static let defaultOfflineSigningPeriodDays = 60

    /// One role's expiry.
    public struct RoleExpiry: Sendable {
        /// The role.
        public var role: String
        /// Its published version.
        public var version: Int
        /// When that version expires.
        public var expires: Date
        /// How long before expiry it is due for renewal, in seconds.
        public var signingPeriod: TimeInterval
        /// Whether it expires within its signing period (or has expired).
        public var isDue: Bool
        /// Whether it has expired.
        public var isExpired: Bool
        /// What renews it.
        public var renewal: String
    }

    /// The roles, root first, then timestamp, snapshot, targets and delegated roles by name.
    public var roles: [RoleExpiry]

    /// Whether any role is due.
    public var anyDue: Bool { roles.contains(where: \.isDue) }

    /// The roles of `repository` at `now`; `within` (days) replaces every role's signing period.
    public init(_ repository: OnlineRepository, now: Date = Date(), within: Int? = nil) {
        let root = repository.root
        func period(_ fields: JSONObject?, online: String? = nil) -> TimeInterval {
            if let within { return Double(within) * 86_400 }
            if let days = CeremonyConfig.days(in: fields?[MetadataDraft.signingPeriodField]) { return Double(days) * 86_400 }
            if let online { return Double(repository.expiryDays(online)) * 86_400 / 2 }
            return Double(Self.defaultOfflineSigningPeriodDays) * 86_400
        }
        func entry(_ role: String, _ signed: some RoleMetadata, _ period: TimeInterval, _ renewal: String) -> RoleExpiry {
            RoleExpiry(
                role: role,
                version: signed.version,
                expires: signed.expires,
                signingPeriod: period,
                isDue: signed.expires.timeIntervalSince(now) <= period,
                isExpired: signed.isExpired(at: now),
                renewal: renewal
            )
        }
        var roles = [
            entry(
                "root",
                root,
                period(root.roles["root"]?.unrecognizedFields),
                "trustroot ceremony propose WORKSPACE --root"
            ),
            entry(
                "timestamp",
                repository.timestamp.signed,
                period(root.roles["timestamp"]?.unrecognizedFields, online: "timestamp"),
                "trustroot repo timestamp REPO --online-key KEY"
            ),
            entry(
                "snapshot",
                repository.snapshot.signed,
                period(root.roles["snapshot"]?.unrecognizedFields, online: "snapshot"),
                "trustroot repo snapshot REPO --online-key KEY"
            ),
        ]
        let delegations = repository.targets["targets"]?.signed.delegations
        let names = repository.targets.keys.sorted { ($0 == "targets" ? 0 : 1, $0) < ($1 == "targets" ? 0 : 1, $1) }
        for name in names {
            guard let metadata = repository.targets[name] else { continue }
            let fields = name == "targets" ? root.roles["targets"]?.unrecognizedFields : Self.delegatedFields(name, delegations)
            roles.append(
                entry(name, metadata.signed, period(fields), "trustroot ceremony propose WORKSPACE --targets")
            )
        }
        self.roles = roles
    }

    private static func delegatedFields(_ name: String, _ delegations: Delegations?) -> JSONObject? {
        guard case .list(let roles) = delegations?.roles else { return nil }
        return roles.first { $0.name == name }?.unrecognizedFields
    }

}
