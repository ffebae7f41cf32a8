import Foundation
import TUF

/// The metadata a client trusts during one update, and the rules by which it may change
/// (TUF specification 5.3 to 5.6).
///
/// Every method takes the bytes as received, checks them against what is already trusted,
/// and only then trusts them. All checks use the one reference time fixed at creation.
public struct TrustedMetadataSet: Sendable {
    /// The time all expiry checks of this update use.
    public let referenceTime: Date
    /// The trusted root.
    public private(set) var root: Metadata<Root>
    /// The trusted timestamp, once loaded.
    public private(set) var timestamp: Metadata<Timestamp>?
    /// The trusted snapshot, once loaded.
    public private(set) var snapshot: Metadata<Snapshot>?
    /// Trusted targets metadata by role name (`targets` and delegated roles), with the role that
    /// delegated to each.
    public private(set) var targets: [String: (metadata: Metadata<Targets>, delegator: String)] = [:]
    /// Whether expired metadata is accepted (for reading a cache offline, on the user's explicit
    /// request); every other check still applies.
    public let acceptsExpired: Bool

    /// Trusts `rootBytes` as the starting root: it must be valid root metadata signed by a
    /// threshold of its own root keys. It may have expired; a newer root may replace it.
    public init(rootBytes: [UInt8], referenceTime: Date, acceptsExpired: Bool = false) throws(UpdateError) {
        self.referenceTime = referenceTime
        self.acceptsExpired = acceptsExpired
        let root: Metadata<Root> = try Self.parse(rootBytes, role: "root")
        try Self.requireThreshold(root.signed, "root", root)
        self.root = root
    }

    /// Replaces the trusted root with version N+1 (5.3.4 to 5.3.10): it must be signed by a
    /// threshold of the current root's keys and of its own, and be exactly one version newer.
    public mutating func updateRoot(_ bytes: [UInt8]) throws(UpdateError) {
        guard timestamp == nil else { throw .outOfOrder("cannot update root after timestamp") }
        let newRoot: Metadata<Root> = try Self.parse(bytes, role: "root")
        try Self.requireThreshold(root.signed, "root", newRoot)
        let expected = root.signed.version + 1
        guard newRoot.signed.version == expected else {
            throw .unexpectedVersion(role: "root", expected: expected, found: newRoot.signed.version)
        }
        try Self.requireThreshold(newRoot.signed, "root", newRoot)
        root = newRoot
    }

    /// The trusted roles that have expired at the reference time (only possible with
    /// ``acceptsExpired``, or for a timestamp kept as a rollback reference).
    public var expiredRoles: [String] {
        expirations(at: referenceTime).map(\.role)
    }

    /// Every trusted role that has expired at `time`, with its expiry: root, timestamp,
    /// snapshot, then targets roles by name.
    public func expirations(at time: Date) -> [(role: String, expires: Date)] {
        var roles: [(role: String, expires: Date)] = []
        func add(_ role: String, _ signed: (some RoleMetadata)?) {
            if let signed, signed.isExpired(at: time) { roles.append((role, signed.expires)) }
        }
        add("root", root.signed)
        add("timestamp", timestamp?.signed)
        add("snapshot", snapshot?.signed)
        for (role, entry) in targets.sorted(by: { $0.key < $1.key }) { add(role, entry.metadata.signed) }
        return roles
    }

    private func checkExpiry(_ signed: some RoleMetadata, role: String) throws(UpdateError) {
        guard signed.isExpired(at: referenceTime) else { return }
        guard acceptsExpired else { throw .expired(role: role, expires: signed.expires) }
    }

    /// Checks that the final root has not expired (5.3.10).
    public func checkFinalRoot() throws(UpdateError) {
        try checkExpiry(root.signed, role: "root")
    }

    /// Trusts a new timestamp (5.4). A timestamp of the same version as the trusted one is
    /// ignored and `false` returned; an older one, or one naming an older snapshot, is a rollback.
    ///
    /// The timestamp is trusted before its expiry is checked, so that an expired local copy
    /// still guards against rollback; the expiry error follows.
    @discardableResult
    public mutating func updateTimestamp(_ bytes: [UInt8]) throws(UpdateError) -> Bool {
        guard snapshot == nil else { throw .outOfOrder("cannot update timestamp after snapshot") }
        try checkFinalRoot()
        let newTimestamp: Metadata<Timestamp> = try Self.parse(bytes, role: "timestamp")
        try Self.requireThreshold(root.signed, "timestamp", newTimestamp)
        if let timestamp {
            if newTimestamp.signed.version < timestamp.signed.version {
                throw .rollback(role: "timestamp", trusted: timestamp.signed.version, offered: newTimestamp.signed.version)
            }
            if newTimestamp.signed.version == timestamp.signed.version { return false }
            let trustedSnapshot = timestamp.signed.snapshotMeta.version
            if newTimestamp.signed.snapshotMeta.version < trustedSnapshot {
                throw .rollback(role: "snapshot", trusted: trustedSnapshot, offered: newTimestamp.signed.snapshotMeta.version)
            }
        }
        timestamp = newTimestamp
        try checkFinalTimestamp()
        return true
    }

    /// Checks that the trusted timestamp has not expired.
    public func checkFinalTimestamp() throws(UpdateError) {
        guard let timestamp else { throw .outOfOrder("no trusted timestamp") }
        try checkExpiry(timestamp.signed, role: "timestamp")
    }

    /// Trusts a new snapshot (5.5). `fromCache` skips the length and hash check against the
    /// timestamp, for a copy that was verified when it was stored; every other check applies.
    public mutating func updateSnapshot(_ bytes: [UInt8], fromCache: Bool = false) throws(UpdateError) {
        guard let timestamp else { throw .outOfOrder("cannot update snapshot before timestamp") }
        guard targets.isEmpty else { throw .outOfOrder("cannot update snapshot after targets") }
        try checkFinalTimestamp()
        let snapshotMeta = timestamp.signed.snapshotMeta
        if !fromCache {
            do {
                try snapshotMeta.verify(bytes)
            } catch {
                throw .lengthOrHashMismatch(file: "snapshot", error)
            }
        }
        let newSnapshot: Metadata<Snapshot> = try Self.parse(bytes, role: "snapshot")
        try Self.requireThreshold(root.signed, "snapshot", newSnapshot)
        if let snapshot {
            for (name, trustedMeta) in snapshot.signed.meta {
                guard let offered = newSnapshot.signed.meta[name] else {
                    throw .missingFromSnapshot(role: String(name.dropLast(".json".count)))
                }
                if offered.version < trustedMeta.version {
                    throw .rollback(role: name, trusted: trustedMeta.version, offered: offered.version)
                }
            }
        }
        snapshot = newSnapshot
        try checkFinalSnapshot()
    }

    /// Checks that the trusted snapshot has not expired and is the version the timestamp names.
    public func checkFinalSnapshot() throws(UpdateError) {
        guard let snapshot, let timestamp else { throw .outOfOrder("no trusted snapshot") }
        try checkExpiry(snapshot.signed, role: "snapshot")
        let expected = timestamp.signed.snapshotMeta.version
        guard snapshot.signed.version == expected else {
            throw .unexpectedVersion(role: "snapshot", expected: expected, found: snapshot.signed.version)
        }
    }

    /// Trusts targets metadata for `role`, delegated by `delegator` (`root` for the top-level
    /// targets role) (5.6): listed in the snapshot with matching length, hashes and version,
    /// signed by the delegator's keys for the role, and not expired.
    @discardableResult
    public mutating func updateTargets(_ bytes: [UInt8], role: String, delegator: String) throws(UpdateError) -> Targets {
        guard let snapshot else { throw .outOfOrder("cannot load targets before snapshot") }
        try checkFinalSnapshot()
        guard let meta = snapshot.signed.meta["\(role).json"] else { throw .missingFromSnapshot(role: role) }
        do {
            try meta.verify(bytes)
        } catch {
            throw .lengthOrHashMismatch(file: role, error)
        }
        let newTargets: Metadata<Targets> = try Self.parse(bytes, role: role)
        try requireDelegatorSigned(newTargets, role: role, delegator: delegator)
        guard newTargets.signed.version == meta.version else {
            throw .unexpectedVersion(role: role, expected: meta.version, found: newTargets.signed.version)
        }
        try checkExpiry(newTargets.signed, role: role)
        targets[role] = (newTargets, delegator)
        return newTargets.signed
    }

    /// The trusted targets metadata of `role` as reached from `delegator`.
    ///
    /// A role trusted through one delegator does not inherit that trust on another path: when a
    /// search reaches it through a different delegator, its signatures are checked again against
    /// that delegator's keys for it.
    public func trustedTargets(_ role: String, delegator: String) throws(UpdateError) -> Targets? {
        guard let entry = targets[role] else { return nil }
        if entry.delegator != delegator {
            do {
                try requireDelegatorSigned(entry.metadata, role: role, delegator: delegator)
            } catch .thresholdNotMet, .invalidMetadata {
                throw .delegationMismatch(role: role, delegator: delegator)
            }
        }
        return entry.metadata.signed
    }

    private func requireDelegatorSigned(_ metadata: Metadata<Targets>, role: String, delegator: String) throws(UpdateError) {
        if delegator == "root" {
            try Self.requireThreshold(root.signed, role, metadata)
            return
        }
        guard let parent = targets[delegator]?.metadata.signed else {
            throw .outOfOrder("cannot load \(role) before its delegator \(delegator)")
        }
        try Self.requireSatisfied(role) { () throws(MetadataError) in try parent.verifyDelegate(role, metadata: metadata) }
    }

    private static func requireThreshold<Signed: RoleMetadata>(_ root: Root, _ role: String, _ metadata: Metadata<Signed>)
        throws(UpdateError)
    {
        try requireSatisfied(role) { () throws(MetadataError) in try root.verifyDelegate(role, metadata: metadata) }
    }

    /// Runs a delegator's check of `role` and fails unless its threshold is met.
    private static func requireSatisfied(
        _ role: String,
        _ verify: () throws(MetadataError) -> ThresholdVerification
    ) throws(UpdateError) {
        let verification: ThresholdVerification
        do {
            verification = try verify()
        } catch {
            throw .invalidMetadata(role: role, error)
        }
        guard verification.isSatisfied else { throw .thresholdNotMet(role: role, verification) }
    }

    static func parse<Signed: RoleMetadata>(_ bytes: [UInt8], role: String) throws(UpdateError) -> Metadata<Signed> {
        do {
            return try Metadata<Signed>(bytes: bytes)
        } catch {
            throw .invalidMetadata(role: role, error)
        }
    }
}
