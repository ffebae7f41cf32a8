import Foundation
import TUF

/// The unsigned metadata a ceremony configuration asks for, built on what was published before.
///
/// A key already listed keeps its entry, custom fields and id; fields this tool does not manage
/// (on the metadata, its roles and its keys) are carried over unchanged, so a repository that
/// began under another tool keeps what that tool wrote.
public enum MetadataDraft {
    /// The custom key field naming the key's holder (the name tuf-on-ci uses).
    public static let ownerField = Key.ownerField
    /// The custom role fields for the metadata lifetime and the signing period, in days.
    public static let expiryPeriodField = "x-tuf-on-ci-expiry-period"
    /// See ``expiryPeriodField``.
    public static let signingPeriodField = "x-tuf-on-ci-signing-period"
    /// The custom field marking a key, and metadata signed with such keys, as test material.
    public static let testKeyField = "x-trustroot-test-key"
    /// The warning every metadata file made from a test configuration carries.
    public static let testWarning = "TEST KEYS: the private keys of this repository are published; never trust it"

    /// The root after `previous` (or the first root) that `config` describes, expiring
    /// `expiry_days` after `now`.
    public static func root(_ config: CeremonyConfig, previous: Root?, now: Date) -> Root {
        var keys: [String: Key] = [:]
        let existing = previous?.keys ?? [:]
        func ids(_ holders: [String]) -> [String] {
            holders.map { name in
                let (id, key) = entry(for: config.holder(named: name)!.key, owner: name, test: config.testKeys, existing: existing)
                keys[id] = key
                return id
            }
        }
        func role(_ name: String, _ ids: [String], threshold: Int, expiryDays: Int, signingPeriodDays: Int?) -> Role {
            var fields = previous?.roles[name]?.unrecognizedFields ?? JSONObject()
            fields[expiryPeriodField] = .integer(Int64(expiryDays))
            fields[signingPeriodField] = signingPeriodDays.map { .integer(Int64($0)) }
            return Role(keyIDs: ids, threshold: threshold, unrecognizedFields: fields)
        }
        let (onlineID, onlineKey) = entry(for: config.onlineKey, owner: nil, test: config.testKeys, existing: existing)
        keys[onlineID] = onlineKey
        let roles = [
            "root": role(
                "root",
                ids(config.root.holders),
                threshold: config.root.threshold,
                expiryDays: config.root.expiryDays,
                signingPeriodDays: config.root.signingPeriodDays
            ),
            "targets": role(
                "targets",
                ids(config.targets.holders),
                threshold: config.targets.threshold,
                expiryDays: config.targets.expiryDays,
                signingPeriodDays: config.targets.signingPeriodDays
            ),
            "snapshot": role("snapshot", [onlineID], threshold: 1, expiryDays: config.snapshotExpiryDays, signingPeriodDays: nil),
            "timestamp": role("timestamp", [onlineID], threshold: 1, expiryDays: config.timestampExpiryDays, signingPeriodDays: nil),
        ]
        var fields = previous?.unrecognizedFields ?? JSONObject()
        fields[testKeyField] = config.testKeys ? .string(testWarning) : nil
        return Root(
            version: (previous?.version ?? 0) + 1,
            expires: expiry(now, days: config.root.expiryDays),
            consistentSnapshot: true,
            keys: keys,
            roles: roles,
            unrecognizedFields: fields
        )
    }

    /// The top-level targets metadata after `previous`: the files `config` assigns to `targets`
    /// (their bytes by target path in `files`) and its delegations.
    public static func targets(_ config: CeremonyConfig, previous: Targets?, files: [String: [UInt8]], now: Date) -> Targets {
        var delegations: Delegations?
        if !config.delegations.isEmpty {
            var keys: [String: Key] = [:]
            let existing = previous?.delegations?.keys ?? [:]
            let previousRoles: [DelegatedRole]
            if case .list(let list) = previous?.delegations?.roles { previousRoles = list } else { previousRoles = [] }
            let roles = config.delegations.map { delegation in
                let ids = delegation.role.holders.map { name in
                    let (id, key) = entry(for: config.holder(named: name)!.key, owner: name, test: config.testKeys, existing: existing)
                    keys[id] = key
                    return id
                }
                var fields = previousRoles.first { $0.name == delegation.name }?.unrecognizedFields ?? JSONObject()
                fields[expiryPeriodField] = .integer(Int64(delegation.role.expiryDays))
                fields[signingPeriodField] = .integer(Int64(delegation.role.signingPeriodDays))
                return DelegatedRole(
                    name: delegation.name,
                    keyIDs: ids,
                    threshold: delegation.role.threshold,
                    terminating: delegation.terminating,
                    scope: .paths(delegation.paths),
                    unrecognizedFields: fields
                )
            }
            delegations = Delegations(
                keys: keys,
                roles: .list(roles),
                unrecognizedFields: previous?.delegations?.unrecognizedFields ?? JSONObject()
            )
        }
        return targetsMetadata(
            config,
            role: "targets",
            previous: previous,
            files: files,
            expiryDays: config.targets.expiryDays,
            delegations: delegations,
            now: now
        )
    }

    /// The metadata of the delegated role `name` after `previous`: the files `config` assigns to it.
    public static func delegated(_ name: String, _ config: CeremonyConfig, previous: Targets?, files: [String: [UInt8]], now: Date)
        -> Targets
    {
        let days = config.delegations.first { $0.name == name }?.role.expiryDays ?? config.targets.expiryDays
        return targetsMetadata(config, role: name, previous: previous, files: files, expiryDays: days, delegations: nil, now: now)
    }

    /// Whether `a` and `b` say the same apart from their version, expiry and the transcript head
    /// they were proposed at, which every new version changes anyway.
    public static func sameContent<Signed: RoleMetadata>(_ a: Signed, _ b: Signed) -> Bool {
        func content(_ metadata: Signed) -> JSONValue? {
            guard var object = metadata.json.objectValue else { return nil }
            object["version"] = nil
            object["expires"] = nil
            object[Workspace.transcriptHeadField] = nil
            return .object(object)
        }
        return content(a) == content(b)
    }

    static func targetsMetadata(
        _ config: CeremonyConfig,
        role: String,
        previous: Targets?,
        files: [String: [UInt8]],
        expiryDays: Int,
        delegations: Delegations?,
        now: Date
    ) -> Targets {
        var entries: [String: TargetFile] = [:]
        for file in config.files where file.role == role {
            var fields = JSONObject()
            fields["custom"] = file.custom
            entries[file.path] = TargetFile(describing: files[file.path] ?? [], unrecognizedFields: fields)
        }
        var fields = previous?.unrecognizedFields ?? JSONObject()
        fields[testKeyField] = config.testKeys ? .string(testWarning) : nil
        return Targets(
            version: (previous?.version ?? 0) + 1,
            expires: expiry(now, days: expiryDays),
            targets: entries,
            delegations: delegations,
            unrecognizedFields: fields
        )
    }

    /// The entry for `key`: the existing one with the same key material if there is one (its id
    /// and custom fields kept), else a new entry naming its owner.
    static func entry(for key: Key, owner: String?, test: Bool, existing: [String: Key]) -> (String, Key) {
        if let identity = key.identity,
            let match = existing.sorted(by: { $0.key < $1.key }).first(where: { $0.value.identity == identity })
        {
            return (match.key, match.value)
        }
        var entry = key
        entry.unrecognizedFields[ownerField] = owner.map { .string($0) }
        entry.unrecognizedFields[testKeyField] = test ? .bool(true) : nil
        return (entry.keyID, entry)
    }

    /// The id a new entry for `key` gets when `holder` holds it (in a configuration with
    /// `test_keys` when `test`): the name is written into the entry, so it is part of what the
    /// id covers.
    public static func keyID(of key: Key, holder: String, test: Bool = false) -> String {
        entry(for: key, owner: holder, test: test, existing: [:]).0
    }

    /// `now` plus `days`, to the whole second metadata records.
    static func expiry(_ now: Date, days: Int) -> Date {
        Date(timeIntervalSince1970: (now.timeIntervalSince1970 + Double(days) * 86_400).rounded(.down))
    }
}
