import Crypto
import Foundation
import TUF
import TUFClient

/// A published repository as its operator maintains it between ceremonies: renewing timestamp
/// and snapshot with the online key, and changing targets with a threshold of their keys.
///
/// Loading checks everything a client checks except expiry (which renewing repairs): the root
/// chain from version 1, then timestamp, snapshot and every targets role it lists. Each change
/// is checked as a client would take it before anything is written, and files are written so
/// that the timestamp, written last, always describes a complete repository.
public struct OnlineRepository: Sendable {
    /// The repository folder (`metadata/` and `targets/`).
    public let directory: URL
    /// Every root version, oldest first.
    public let roots: [Metadata<Root>]
    /// The current timestamp.
    public private(set) var timestamp: Metadata<Timestamp>
    /// The snapshot the timestamp names.
    public private(set) var snapshot: Metadata<Snapshot>
    /// The targets metadata the snapshot names, by role.
    public private(set) var targets: [String: Metadata<Targets>]

    /// The repository folder, whose files are reached without following links.
    let folder: ConfinedDirectory

    /// Loads and checks the repository in `directory`.
    public init(directory: URL) throws(CeremonyError) {
        do {
            self.directory = directory
            guard let folder = try ConfinedDirectory.open(directory.path) else { throw CeremonyError.missingFromRepository(directory.path) }
            self.folder = folder
            func read(_ name: String) throws -> [UInt8] {
                guard let data = try folder.read("metadata/\(name)", limit: Self.fileLimit) else {
                    throw CeremonyError.missingFromRepository(directory.appendingPathComponent("metadata/\(name)").path)
                }
                return data
            }
            var rootFiles = [try read("1.root.json")]
            while let data = try folder.read("metadata/\(rootFiles.count + 1).root.json", limit: Self.fileLimit) {
                rootFiles.append(data)
            }
            do {
                var client = try TrustedMetadataSet(rootBytes: rootFiles[0], referenceTime: Date(), acceptsExpired: true)
                for bytes in rootFiles.dropFirst() { try client.updateRoot(bytes) }
                _ = try client.updateTimestamp(try read("timestamp.json"))
                let snapshotVersion = client.timestamp!.signed.snapshotMeta.version
                try client.updateSnapshot(try read("\(snapshotVersion).snapshot.json"))
                let top = client.snapshot!.signed.meta["targets.json"]?.version ?? 1
                _ = try client.updateTargets(try read("\(top).targets.json"), role: "targets", delegator: "root")
                if case .list(let roles) = client.targets["targets"]?.metadata.signed.delegations?.roles {
                    for role in roles {
                        guard let version = client.snapshot!.signed.meta["\(role.name).json"]?.version else { continue }
                        _ = try client.updateTargets(
                            try read("\(version).\(percentEncoded(role.name)).json"),
                            role: role.name,
                            delegator: "targets"
                        )
                    }
                }
                roots = try rootFiles.map { (bytes) throws(MetadataError) in try Metadata<Root>(bytes: bytes) }
                timestamp = client.timestamp!
                snapshot = client.snapshot!
                self.targets = client.targets.mapValues(\.metadata)
            } catch let error as CeremonyError {
                throw error
            } catch let error as UpdateError {
                throw CeremonyError.clientWouldRefuse(error)
            }
        } catch {
            throw CeremonyError(error)
        }
    }

    /// The newest root.
    public var root: Root { roots.last!.signed }

    /// How long `repo timestamp` and `repo snapshot` make their roles live, in days, when the
    /// root names no expiry period for them.
    static let defaultOnlineDays = ["timestamp": 1, "snapshot": 7]

    /// The lifetime in days the root gives the online role `role` (`x-tuf-on-ci-expiry-period`),
    /// else ``defaultOnlineDays``.
    func expiryDays(_ role: String) -> Int {
        // Written by whichever tool made the root: used only when it is a sane number of days.
        CeremonyConfig.days(in: root.roles[role]?.unrecognizedFields[MetadataDraft.expiryPeriodField]) ?? Self.defaultOnlineDays[role] ?? 1
    }

    /// Signs and writes a new timestamp for the current snapshot, `days` long (default: the
    /// root's expiry period for timestamp, else 1).
    @discardableResult
    public mutating func renewTimestamp(online: some Signer, days: Int? = nil, now: Date = Date()) throws(CeremonyError) -> Metadata<
        Timestamp
    > {
        do {
            let snapshotBytes = try fileBytes("\(snapshot.signed.version).snapshot.json")
            var signed = timestamp.signed
            signed.version += 1
            signed.expires = MetadataDraft.expiry(
                now,
                days: try CeremonyConfig.days(days ?? expiryDays("timestamp"), path: "timestamp expiry")
            )
            signed.snapshotMeta = MetaFile(
                version: snapshot.signed.version,
                length: snapshotBytes.count,
                hashes: ["sha256": Hex.encode(SHA256.hash(data: snapshotBytes))]
            )
            var next = Metadata(signed: signed)
            try next.sign(
                with: online,
                keyID: try RepositoryPublisher(directory: directory).onlineKeyID(online, role: "timestamp", in: root)
            )
            try checkAsClient(timestamp: next.encoded(), now: now)
            try folder.write(next.encoded(), to: "metadata/timestamp.json")
            timestamp = next
            return next
        } catch {
            throw CeremonyError(error)
        }
    }

    /// Signs and writes a new snapshot (version + 1, same targets versions unless `meta` is
    /// given), then a new timestamp.
    @discardableResult
    public mutating func renewSnapshot(
        online: some Signer,
        days: Int? = nil,
        meta: [String: MetaFile]? = nil,
        now: Date = Date()
    ) throws(CeremonyError) -> Metadata<Snapshot> {
        do {
            var signed = snapshot.signed
            signed.version += 1
            signed.expires = MetadataDraft.expiry(
                now,
                days: try CeremonyConfig.days(days ?? expiryDays("snapshot"), path: "snapshot expiry")
            )
            if let meta { signed.meta = meta }
            var next = Metadata(signed: signed)
            try next.sign(
                with: online,
                keyID: try RepositoryPublisher(directory: directory).onlineKeyID(online, role: "snapshot", in: root)
            )
            // Written under its own version name: the current timestamp still names the old one.
            try folder.write(next.encoded(), to: "metadata/\(signed.version).snapshot.json")
            let previous = snapshot
            snapshot = next
            do {
                try renewTimestamp(online: online, now: now)
            } catch {
                snapshot = previous
                throw error
            }
            return next
        } catch {
            throw CeremonyError(error)
        }
    }

    /// Lists `bytes` as target `path` of `role` (replacing an entry of that path), or removes
    /// the entry when `bytes` is nil; `signers` must reach the role's threshold. Writes the
    /// target file, the role's next version, and a new snapshot and timestamp.
    public mutating func setTarget(
        _ path: String,
        bytes: [UInt8]?,
        custom: JSONValue? = nil,
        role: String = "targets",
        signers: [any Signer],
        online: some Signer,
        now: Date = Date()
    ) throws(CeremonyError) {
        do {
            guard var metadata = targets[role] else { throw CeremonyError.noSuchRole(role) }
            if metadata.signed.isExpired(at: now) { throw CeremonyError.expired(role: role) }
            try RepositoryPublisher.checkTargetPath(path)
            let (delegate, keys): (any Delegate, [String: Key])
            if role == "targets" {
                (delegate, keys) = (root.roles["targets"]!, root.keys)
            } else {
                guard let delegations = targets["targets"]?.signed.delegations, let found = delegations.delegate(named: role) else {
                    throw CeremonyError.noSuchRole(role)
                }
                (delegate, keys) = (found, delegations.keys)
            }
            var signed = metadata.signed
            if let bytes {
                var fields = JSONObject()
                fields["custom"] = custom
                signed.targets[path] = TargetFile(describing: bytes, unrecognizedFields: fields)
            } else {
                guard signed.targets.removeValue(forKey: path) != nil else { throw CeremonyError.noSuchTarget(path) }
            }
            signed.version += 1
            metadata = try Self.signed(signed, role: role, by: signers, delegate: delegate, keys: keys)

            if let bytes, let file = signed.targets[path] {
                try RepositoryPublisher.writeTargetFile(bytes, path: path, file: file, into: folder)
            }
            try publish([role: metadata], online: online, now: now)
        } catch {
            throw CeremonyError(error)
        }
    }

    /// Delegates the target paths `paths` from the top-level targets role to a new role `name`
    /// whose keys are `roleSigners`' (threshold `threshold`). The new role's first, empty version
    /// is signed by `roleSigners` and the new targets version by `targetsSigners`.
    public mutating func delegate(
        _ name: String,
        paths: [String],
        terminating: Bool,
        threshold: Int,
        roleSigners: [any Signer],
        targetsSigners: [any Signer],
        expiresDays: Int,
        online: some Signer,
        now: Date = Date()
    ) throws(CeremonyError) {
        do {
            guard var top = targets["targets"]?.signed else { throw CeremonyError.noSuchRole("targets") }
            if top.isExpired(at: now) { throw CeremonyError.expired(role: "targets") }
            _ = try CeremonyConfig.days(expiresDays, path: "--expires-days")
            let folded = name.lowercased()
            guard !topLevelRoleNames.contains(folded), !name.isEmpty, !targets.keys.contains(where: { $0.lowercased() == folded }),
                top.delegations?.delegate(named: name) == nil
            else { throw CeremonyError.roleExists(name) }
            var delegations = top.delegations ?? Delegations(keys: [:], roles: .list([]))
            guard case .list(var roles) = delegations.roles else { throw CeremonyError.roleExists(name) }
            var keyIDs: [String] = []
            for signer in roleSigners {
                let (id, key) = MetadataDraft.entry(for: signer.publicKey, owner: nil, test: false, existing: delegations.keys)
                delegations.keys[id] = key
                if !keyIDs.contains(id) { keyIDs.append(id) }
            }
            guard (1...max(1, keyIDs.count)).contains(threshold), !keyIDs.isEmpty else {
                throw CeremonyError.thresholdNotMet(
                    role: name,
                    summary: "a threshold of \(threshold) needs as many distinct keys; \(keyIDs.count) given"
                )
            }
            var fields = JSONObject()
            fields[MetadataDraft.expiryPeriodField] = .integer(Int64(expiresDays))
            let role = DelegatedRole(
                name: name,
                keyIDs: keyIDs,
                threshold: threshold,
                terminating: terminating,
                scope: .paths(paths),
                unrecognizedFields: fields
            )
            roles.append(role)
            delegations.roles = .list(roles)
            top.delegations = delegations
            top.version += 1
            let newTargets = try Self.signed(top, role: "targets", by: targetsSigners, delegate: root.roles["targets"]!, keys: root.keys)
            let first = try Self.signed(
                Targets(version: 1, expires: MetadataDraft.expiry(now, days: expiresDays)),
                role: name,
                by: roleSigners,
                delegate: role,
                keys: delegations.keys
            )
            try publish(["targets": newTargets, name: first], online: online, now: now)
        } catch {
            throw CeremonyError(error)
        }
    }

    /// `signed`, signed by each of `signers` under every id its key has in `delegate`; the
    /// signatures must reach the threshold.
    static func signed(
        _ signed: Targets,
        role: String,
        by signers: [any Signer],
        delegate: any Delegate,
        keys: [String: Key]
    ) throws -> Metadata<Targets> {
        var metadata = Metadata(signed: signed)
        for signer in signers {
            try metadata.addSignature(by: signer, under: Proposal.keyIDs(of: signer.publicKey, in: delegate, keys: keys))
        }
        let verification = ThresholdVerification(role: role, delegate: delegate, keys: keys, metadata: metadata)
        guard verification.isSatisfied else { throw CeremonyError.thresholdNotMet(role: role, summary: verification.summary) }
        return metadata
    }

    /// Writes new versions of targets roles, then a snapshot listing them and a timestamp.
    mutating func publish(_ changed: [String: Metadata<Targets>], online: some Signer, now: Date) throws {
        var meta = snapshot.signed.meta
        for (role, metadata) in changed {
            try folder.write(
                metadata.encoded(),
                to: "metadata/\(metadata.signed.version).\(role == "targets" ? "targets" : percentEncoded(role)).json"
            )
            meta["\(role).json"] = MetaFile(version: metadata.signed.version)
        }
        let previous = targets
        targets.merge(changed) { _, new in new }
        do {
            try renewSnapshot(online: online, meta: meta, now: now)
        } catch {
            targets = previous
            throw error
        }
    }

    /// Checks the repository as a client trusting the newest root would see it with `timestamp`.
    func checkAsClient(timestamp timestampBytes: [UInt8], now: Date) throws {
        do {
            var client = try TrustedMetadataSet(rootBytes: roots.last!.encoded(), referenceTime: now)
            try client.checkFinalRoot()
            _ = try client.updateTimestamp(timestampBytes)
            try client.updateSnapshot(try fileBytes("\(snapshot.signed.version).snapshot.json"))
            _ = try client.updateTargets(
                try fileBytes("\(targets["targets"]!.signed.version).targets.json"),
                role: "targets",
                delegator: "root"
            )
            for (role, metadata) in targets.sorted(by: { $0.key < $1.key }) where role != "targets" {
                _ = try client.updateTargets(
                    try fileBytes("\(metadata.signed.version).\(percentEncoded(role)).json"),
                    role: role,
                    delegator: "targets"
                )
            }
        } catch let error as UpdateError {
            throw CeremonyError.clientWouldRefuse(error)
        }
    }

    private func fileBytes(_ name: String) throws -> [UInt8] {
        guard let data = try folder.read("metadata/\(name)", limit: Self.fileLimit) else {
            throw CeremonyError.missingFromRepository(directory.appendingPathComponent("metadata/\(name)").path)
        }
        return data
    }

    /// The largest metadata file read from the repository.
    static let fileLimit = 64 << 20
}
