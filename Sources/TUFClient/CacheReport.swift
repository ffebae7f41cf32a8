import Foundation
import TUF

/// What a client's cache holds, read as far as it can be trusted: for `client status`, which must
/// show what is trusted and what is missing whatever state an interrupted refresh or a changed
/// pin left behind.
///
/// Every role is checked as an offline load checks it (signatures against the trusted root or
/// delegator, versions and hashes against the timestamp and snapshot), expired metadata
/// accepted; a role that is missing or fails a check is listed as a ``Problem`` instead of
/// ending the report.
public struct CacheReport: Sendable {
    /// A role that is not trusted, and why.
    public struct Problem: Sendable, Equatable {
        /// The role.
        public var role: String
        /// Whether its file is simply not in the cache (rather than present and refused).
        public var missing: Bool
        /// What is wrong.
        public var reason: String
    }

    /// A delegated targets role as the cache holds it.
    public struct DelegatedRoleState: Sendable, Equatable {
        /// The role's name.
        public var name: String
        /// The role that delegates to it.
        public var delegator: String
        /// The trusted version and expiry; nil when not trusted (see ``CacheReport/problems``).
        public var version: Int?
        /// When the trusted version expires.
        public var expires: Date?
    }

    /// What is trusted: at least the root, unless ``problems`` names the root.
    public var trusted: TrustedMetadataSet?
    /// Roles that are missing or refused, in the order the workflow loads them.
    public var problems: [Problem] = []
    /// Where the trusted root disagrees with the pinned or minimum root version.
    public var pinConflicts: [String] = []
    /// Delegated targets roles reachable from the trusted top-level targets, in search order.
    /// Delegated roles are fetched when a target needs them, so one not yet cached is normal.
    public var delegatedRoles: [DelegatedRoleState] = []
    /// Hash-bin delegations, described rather than listed: (delegator, name prefix, bins).
    public var hashBinDelegations: [(delegator: String, namePrefix: String, bins: Int)] = []

    /// Whether every top-level role is trusted and no pin conflicts.
    public var isComplete: Bool { problems.isEmpty && pinConflicts.isEmpty }

    /// The report of a set just trusted by a refresh: its roles, and the delegated roles it
    /// reached (others are listed as not fetched).
    public init(trusted: TrustedMetadataSet, configuration: UpdaterConfiguration = UpdaterConfiguration()) {
        var set = trusted
        checkPins(set.root.signed.version, configuration)
        loadDelegated(&set, nil, configuration)
        self.trusted = set
    }

    private init() {}

    /// Reads `cache` under its lock as of `referenceTime`, with `configuration`'s limits and pins.
    public static func read(
        _ cache: MetadataCache,
        configuration: UpdaterConfiguration = UpdaterConfiguration(),
        referenceTime: Date = Date()
    ) async throws(UpdateError) -> CacheReport {
        try await cache.withLock { () throws(UpdateError) -> CacheReport in
            var report = CacheReport()
            report.load(cache, configuration, referenceTime)
            return report
        }
    }

    private mutating func load(_ cache: MetadataCache, _ configuration: UpdaterConfiguration, _ referenceTime: Date) {
        guard let rootBytes = stored(cache, "root", configuration.rootMaximumBytes) else { return }
        var set: TrustedMetadataSet
        do {
            set = try TrustedMetadataSet(rootBytes: rootBytes, referenceTime: referenceTime, acceptsExpired: true)
        } catch {
            problems.append(Problem(role: "root", missing: false, reason: error.description))
            return
        }
        checkPins(set.root.signed.version, configuration)
        defer { trusted = set }
        guard let timestamp = stored(cache, "timestamp", configuration.timestampMaximumBytes),
            attempt("timestamp", { () throws(UpdateError) in try set.updateTimestamp(timestamp) })
        else { return skip("snapshot", "targets") }
        guard let snapshot = stored(cache, "snapshot", configuration.snapshotMaximumBytes),
            attempt("snapshot", { () throws(UpdateError) in try set.updateSnapshot(snapshot, fromCache: true) })
        else { return skip("targets") }
        guard let targets = stored(cache, "targets", configuration.targetsMaximumBytes),
            attempt("targets", { () throws(UpdateError) in try set.updateTargets(targets, role: "targets", delegator: "root") })
        else { return }
        loadDelegated(&set, cache, configuration)
    }

    /// Walks the delegations from the top-level targets, trusting each cached delegated role
    /// that verifies against its delegator, up to the configuration's delegation bound.
    private mutating func loadDelegated(_ set: inout TrustedMetadataSet, _ cache: MetadataCache?, _ configuration: UpdaterConfiguration) {
        var toVisit = ["targets"]
        var seen: Set<String> = ["targets"]
        while let delegator = toVisit.first, delegatedRoles.count < configuration.maximumDelegations {
            toVisit.removeFirst()
            guard let delegations = set.targets[delegator]?.metadata.signed.delegations else { continue }
            guard case .list(let roles) = delegations.roles else {
                if case .succinct(let bins) = delegations.roles {
                    hashBinDelegations.append((delegator, bins.namePrefix, bins.numberOfBins))
                }
                continue
            }
            for role in roles where seen.insert(role.name).inserted && delegatedRoles.count < configuration.maximumDelegations {
                var state = DelegatedRoleState(name: role.name, delegator: delegator)
                if let entry = set.targets[role.name], entry.delegator == delegator {
                    (state.version, state.expires) = (entry.metadata.signed.version, entry.metadata.signed.expires)
                    toVisit.append(role.name)
                } else if let bytes = cache?.read(role.name, maximumBytes: configuration.targetsMaximumBytes) {
                    do {
                        let targets = try set.updateTargets(bytes, role: role.name, delegator: delegator)
                        (state.version, state.expires) = (targets.version, targets.expires)
                        toVisit.append(role.name)
                    } catch {
                        problems.append(Problem(role: role.name, missing: false, reason: error.description))
                    }
                }
                delegatedRoles.append(state)
            }
        }
    }

    private mutating func checkPins(_ version: Int, _ configuration: UpdaterConfiguration) {
        if let pinned = configuration.pinnedRootVersion, pinned != version {
            pinConflicts.append("root is pinned to v\(pinned), but the cache trusts v\(version)")
        }
        if let minimum = configuration.minimumRootVersion, version < minimum {
            pinConflicts.append("the minimum root version is v\(minimum), but the cache trusts v\(version)")
        }
    }

    private mutating func stored(_ cache: MetadataCache, _ role: String, _ limit: Int) -> [UInt8]? {
        guard let bytes = cache.read(role, maximumBytes: limit) else {
            problems.append(Problem(role: role, missing: true, reason: "not in the cache"))
            return nil
        }
        return bytes
    }

    private mutating func attempt(_ role: String, _ step: () throws(UpdateError) -> Void) -> Bool {
        do {
            try step()
            return true
        } catch {
            problems.append(Problem(role: role, missing: false, reason: error.description))
            return false
        }
    }

    /// Roles that cannot be checked because a role they depend on is not trusted.
    private mutating func skip(_ roles: String...) {
        for role in roles {
            problems.append(Problem(role: role, missing: false, reason: "not checked: the role it depends on is not trusted"))
        }
    }
}
