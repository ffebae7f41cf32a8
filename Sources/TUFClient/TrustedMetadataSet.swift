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
        try self.init(root: try Self.parse(rootBytes, role: "root"), referenceTime: referenceTime, acceptsExpired: acceptsExpired)
    }

    /// ``init(rootBytes:referenceTime:acceptsExpired:)`` for a root already parsed.
    init(root: Metadata<Root>, referenceTime: Date, acceptsExpired: Bool = false) throws(UpdateError) {
        self.referenceTime = referenceTime
        self.acceptsExpired = acceptsExpired
        try Self.requireThreshold(root.signed, "root", root)
        self.root = root
    }

    /// Replaces the trusted root with version N+1 (5.3.4 to 5.3.10): it must be signed by a
    /// threshold of the current root's keys and of its own, and be exactly one version newer.
    public mutating func updateRoot(_ bytes: [UInt8]) throws(UpdateError) {
        try updateRoot(PreparedRoot(bytes, checkingItself: false))
    }

    /// ``updateRoot(_:)`` for a version parsed, and perhaps checked against its own keys, ahead
    /// of its turn.
    mutating func updateRoot(_ prepared: PreparedRoot) throws(UpdateError) {
        guard timestamp == nil else { throw .outOfOrder("cannot update root after timestamp") }
        let newRoot = try prepared.metadata.get()
        let trusted = root.signed
        let byTrusted: Result<Bool, MetadataError>
        let byItself: Result<Bool, MetadataError>
        if let known = prepared.signedByItself {
            var memo = prepared.verifiedByItself
            do {
                byTrusted = .success(try trusted.meetsThreshold("root", metadata: newRoot, memo: &memo))
            } catch {
                byTrusted = .failure(error)
            }
            byItself = known
        } else {
            // The two signature checks are independent: run them side by side, then judge them
            // in the specification's order so that the error is the one the sequence names.
            (byTrusted, byItself) = Parallel.both(
                { () throws(MetadataError) in try trusted.meetsThreshold("root", metadata: newRoot) },
                { () throws(MetadataError) in try newRoot.signed.meetsThreshold("root", metadata: newRoot) }
            )
        }
        try Self.requireThreshold(trusted, "root", newRoot, isMet: byTrusted)
        let expected = trusted.version + 1
        guard newRoot.signed.version == expected else {
            throw .unexpectedVersion(role: "root", expected: expected, found: newRoot.signed.version)
        }
        try Self.requireThreshold(newRoot.signed, "root", newRoot, isMet: byItself)
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
        try Self.requireThreshold(parent, role, metadata)
    }

    /// Fails unless `delegator` finds `metadata` for `role` signed by a threshold of its keys.
    ///
    /// A client needs only the answer, so signature checks stop once the threshold is met; the
    /// full per-key report is built only to say why a check failed.
    private static func requireThreshold<Signed: RoleMetadata>(
        _ delegator: some Delegator,
        _ role: String,
        _ metadata: Metadata<Signed>
    ) throws(UpdateError) {
        try requireThreshold(delegator, role, metadata, isMet: nil)
    }

    /// ``requireThreshold(_:_:_:)`` with the answer given when already known.
    private static func requireThreshold<Signed: RoleMetadata>(
        _ delegator: some Delegator,
        _ role: String,
        _ metadata: Metadata<Signed>,
        isMet known: Result<Bool, MetadataError>?
    ) throws(UpdateError) {
        let isMet: Bool
        let verification: ThresholdVerification
        do throws(MetadataError) {
            if let known {
                isMet = try known.get()
            } else {
                isMet = try delegator.meetsThreshold(role, metadata: metadata)
            }
            if isMet { return }
            verification = try delegator.verifyDelegate(role, metadata: metadata)
        } catch {
            throw .invalidMetadata(role: role, error)
        }
        throw .thresholdNotMet(role: role, verification)
    }

    static func parse<Signed: RoleMetadata>(_ bytes: [UInt8], role: String) throws(UpdateError) -> Metadata<Signed> {
        do {
            return try Metadata<Signed>(bytes: bytes)
        } catch {
            throw .invalidMetadata(role: role, error)
        }
    }
}
