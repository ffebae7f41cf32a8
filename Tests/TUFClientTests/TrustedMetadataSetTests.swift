import Crypto
import Foundation
import TUF
import TUFClient
import Testing

/// The update rules of TUF 5.3 to 5.6, one by one, on metadata made in memory.
@Suite("Trusted metadata set")
struct TrustedMetadataSetTests {
    /// A small repository: root keys, one online key, a delegation to "team".
    struct Repository {
        var rootSigners: [InMemorySigner]
        let online: InMemorySigner
        let team: InMemorySigner
        let now = Date()
        var expires: Date { now.addingTimeInterval(86_400) }

        init() throws {
            rootSigners = try (0..<3).map { _ in try InMemorySigner(generating: .ed25519) }
            online = try InMemorySigner(generating: .ecdsaP256)
            team = try InMemorySigner(generating: .ed25519)
        }

        func root(version: Int, signers: [InMemorySigner]? = nil, expires: Date? = nil) throws -> [UInt8] {
            var keys = Dictionary(uniqueKeysWithValues: rootSigners.map { ($0.publicKey.keyID, $0.publicKey) })
            keys[online.publicKey.keyID] = online.publicKey
            let onlineRole = Role(keyIDs: [online.publicKey.keyID], threshold: 1)
            var metadata = Metadata(
                signed: Root(
                    version: version,
                    expires: expires ?? self.expires,
                    keys: keys,
                    roles: [
                        "root": Role(keyIDs: rootSigners.map(\.publicKey.keyID), threshold: 2),
                        "timestamp": onlineRole, "snapshot": onlineRole, "targets": onlineRole,
                    ]
                )
            )
            for signer in signers ?? rootSigners { try metadata.sign(with: signer) }
            return metadata.encoded()
        }

        func timestamp(version: Int, snapshot: MetaFile, expires: Date? = nil) throws -> [UInt8] {
            var metadata = Metadata(signed: Timestamp(version: version, expires: expires ?? self.expires, snapshotMeta: snapshot))
            try metadata.sign(with: online)
            return metadata.encoded()
        }

        func snapshot(version: Int, meta: [String: MetaFile]) throws -> [UInt8] {
            var metadata = Metadata(signed: Snapshot(version: version, expires: expires, meta: meta))
            try metadata.sign(with: online)
            return metadata.encoded()
        }

        func targets(version: Int, signer: InMemorySigner? = nil, expires: Date? = nil, delegations: Delegations? = nil) throws -> [UInt8] {
            var metadata = Metadata(signed: Targets(version: version, expires: expires ?? self.expires, delegations: delegations))
            try metadata.sign(with: signer ?? online)
            return metadata.encoded()
        }

        /// A trusted set that has root v1, timestamp v1 and snapshot v1 (listing targets v1 and team v1).
        func loadedUpToSnapshot() throws -> TrustedMetadataSet {
            var set = try TrustedMetadataSet(rootBytes: root(version: 1), referenceTime: now)
            try set.updateTimestamp(timestamp(version: 1, snapshot: MetaFile(version: 1)))
            try set.updateSnapshot(snapshot(version: 1, meta: ["targets.json": MetaFile(version: 1), "team.json": MetaFile(version: 1)]))
            return set
        }
    }

    @Test func rootMustBeTheNextVersionSignedByOldAndNewKeys() throws {
        var repository = try Repository()
        var set = try TrustedMetadataSet(rootBytes: repository.root(version: 1), referenceTime: repository.now)
        #expect(throws: UpdateError.unexpectedVersion(role: "root", expected: 2, found: 3)) {
            try set.updateRoot(repository.root(version: 3))
        }
        let old = repository.rootSigners
        repository.rootSigners = try (0..<3).map { _ in try InMemorySigner(generating: .ed25519) }
        // Signed only by the new keys: the old root's threshold is not met.
        #expect(throws: UpdateError.self) { try set.updateRoot(repository.root(version: 2)) }
        // Signed only by the old keys: the new root's own threshold is not met.
        let onlyOld = try repository.root(version: 2, signers: old)
        do {
            try set.updateRoot(onlyOld)
            Issue.record("a root not signed by its own keys was accepted")
        } catch .thresholdNotMet(let role, let verification) {
            #expect(role == "root")
            #expect(verification.signedKeyIDs.isEmpty)
            #expect(
                UpdateError.thresholdNotMet(role: role, verification).description
                    == "root: signature threshold not met: 0 of 2 required signatures (missing: \(verification.unsignedKeyIDs.joined(separator: ", ")))"
            )
        } catch {
            Issue.record("unexpected \(error)")
        }
        try set.updateRoot(repository.root(version: 2, signers: old + repository.rootSigners))
        #expect(set.root.signed.version == 2)
    }

    @Test func rootCannotChangeOnceTimestampIsTrusted() throws {
        let repository = try Repository()
        var set = try TrustedMetadataSet(rootBytes: repository.root(version: 1), referenceTime: repository.now)
        try set.updateTimestamp(repository.timestamp(version: 1, snapshot: MetaFile(version: 1)))
        #expect(throws: UpdateError.outOfOrder("cannot update root after timestamp")) { try set.updateRoot(repository.root(version: 2)) }
    }

    @Test func expiredFinalRootStopsTheUpdate() throws {
        let repository = try Repository()
        let past = repository.now.addingTimeInterval(-60)
        var set = try TrustedMetadataSet(rootBytes: repository.root(version: 1, expires: past), referenceTime: repository.now)
        #expect(throws: UpdateError.expired(role: "root", expires: MetadataDate.parse(MetadataDate.format(past))!)) {
            try set.updateTimestamp(repository.timestamp(version: 1, snapshot: MetaFile(version: 1)))
        }
    }

    @Test func timestampRules() throws {
        let repository = try Repository()
        var set = try TrustedMetadataSet(rootBytes: repository.root(version: 1), referenceTime: repository.now)
        #expect(try set.updateTimestamp(repository.timestamp(version: 5, snapshot: MetaFile(version: 7))))
        #expect(try !set.updateTimestamp(repository.timestamp(version: 5, snapshot: MetaFile(version: 7))))
        #expect(throws: UpdateError.rollback(role: "timestamp", trusted: 5, offered: 4)) {
            try set.updateTimestamp(repository.timestamp(version: 4, snapshot: MetaFile(version: 7)))
        }
        #expect(throws: UpdateError.rollback(role: "snapshot", trusted: 7, offered: 6)) {
            try set.updateTimestamp(repository.timestamp(version: 6, snapshot: MetaFile(version: 6)))
        }
        // An expired timestamp is refused, but stays the rollback reference.
        let past = repository.now.addingTimeInterval(-1)
        #expect(throws: UpdateError.expired(role: "timestamp", expires: MetadataDate.parse(MetadataDate.format(past))!)) {
            try set.updateTimestamp(repository.timestamp(version: 8, snapshot: MetaFile(version: 8), expires: past))
        }
        #expect(set.timestamp?.signed.version == 8)
        #expect(set.expiredRoles == ["timestamp"])
    }

    @Test func snapshotRules() throws {
        let repository = try Repository()
        let snapshotBytes = try repository.snapshot(version: 2, meta: ["targets.json": MetaFile(version: 3)])
        var set = try TrustedMetadataSet(rootBytes: repository.root(version: 1), referenceTime: repository.now)
        let wrongHash = MetaFile(version: 2, length: snapshotBytes.count, hashes: ["sha256": String(repeating: "00", count: 32)])
        try set.updateTimestamp(repository.timestamp(version: 1, snapshot: wrongHash))
        #expect(throws: UpdateError.lengthOrHashMismatch(file: "snapshot", .hashMismatch(algorithm: "sha256"))) {
            try set.updateSnapshot(snapshotBytes)
        }
        // From the cache the hash is not rechecked; the version still must match the timestamp.
        try set.updateSnapshot(snapshotBytes, fromCache: true)

        var fresh = try TrustedMetadataSet(rootBytes: repository.root(version: 1), referenceTime: repository.now)
        try fresh.updateTimestamp(repository.timestamp(version: 1, snapshot: MetaFile(version: 2)))
        // A cached snapshot older than the timestamp names is refused as final, but kept as the
        // rollback reference for the one that follows.
        #expect(throws: UpdateError.unexpectedVersion(role: "snapshot", expected: 2, found: 1)) {
            try fresh.updateSnapshot(
                repository.snapshot(version: 1, meta: ["targets.json": MetaFile(version: 3), "team.json": MetaFile(version: 1)]),
                fromCache: true
            )
        }
        #expect(throws: UpdateError.missingFromSnapshot(role: "team")) {
            try fresh.updateSnapshot(repository.snapshot(version: 2, meta: ["targets.json": MetaFile(version: 3)]))
        }
        #expect(throws: UpdateError.rollback(role: "targets.json", trusted: 3, offered: 2)) {
            try fresh.updateSnapshot(
                repository.snapshot(version: 2, meta: ["targets.json": MetaFile(version: 2), "team.json": MetaFile(version: 1)])
            )
        }
        #expect(throws: UpdateError.unexpectedVersion(role: "snapshot", expected: 2, found: 3)) {
            try fresh.updateSnapshot(
                repository.snapshot(version: 3, meta: ["targets.json": MetaFile(version: 3), "team.json": MetaFile(version: 1)])
            )
        }
    }

    @Test func targetsRules() throws {
        let repository = try Repository()
        var set = try repository.loadedUpToSnapshot()
        #expect(throws: UpdateError.unexpectedVersion(role: "targets", expected: 1, found: 2)) {
            try set.updateTargets(repository.targets(version: 2), role: "targets", delegator: "root")
        }
        #expect(throws: UpdateError.self) {
            try set.updateTargets(repository.targets(version: 1, signer: repository.team), role: "targets", delegator: "root")
        }
        #expect(throws: UpdateError.outOfOrder("cannot load team before its delegator targets")) {
            try set.updateTargets(repository.targets(version: 1, signer: repository.team), role: "team", delegator: "targets")
        }
        let delegations = Delegations(
            keys: [repository.team.publicKey.keyID: repository.team.publicKey],
            roles: .list([
                DelegatedRole(
                    name: "team",
                    keyIDs: [repository.team.publicKey.keyID],
                    threshold: 1,
                    terminating: false,
                    scope: .paths(["team/*"])
                )
            ])
        )
        try set.updateTargets(repository.targets(version: 1, delegations: delegations), role: "targets", delegator: "root")
        #expect(throws: UpdateError.missingFromSnapshot(role: "other")) {
            try set.updateTargets(repository.targets(version: 1, signer: repository.team), role: "other", delegator: "targets")
        }
        let past = repository.now.addingTimeInterval(-1)
        #expect(throws: UpdateError.expired(role: "team", expires: MetadataDate.parse(MetadataDate.format(past))!)) {
            try set.updateTargets(
                repository.targets(version: 1, signer: repository.team, expires: past),
                role: "team",
                delegator: "targets"
            )
        }
        #expect(set.targets["team"] == nil)
        try set.updateTargets(repository.targets(version: 1, signer: repository.team), role: "team", delegator: "targets")
        #expect(try set.trustedTargets("team", delegator: "targets") != nil)
        // Reached through a delegator whose keys for "team" did not sign it: refused.
        #expect(throws: UpdateError.delegationMismatch(role: "team", delegator: "root")) {
            try set.trustedTargets("team", delegator: "root")
        }
    }

    @Test func acceptsExpiredOnlyWhenAsked() throws {
        let repository = try Repository()
        let past = repository.now.addingTimeInterval(-60)
        var set = try TrustedMetadataSet(
            rootBytes: repository.root(version: 1, expires: past),
            referenceTime: repository.now,
            acceptsExpired: true
        )
        try set.checkFinalRoot()
        try set.updateTimestamp(repository.timestamp(version: 1, snapshot: MetaFile(version: 1), expires: past))
        try set.updateSnapshot(repository.snapshot(version: 1, meta: ["targets.json": MetaFile(version: 1)]))
        #expect(set.expiredRoles == ["root", "timestamp"])
        // Signatures still count: a timestamp signed by a root key instead of the online key is refused.
        var other = Metadata(signed: Timestamp(version: 2, expires: repository.expires, snapshotMeta: MetaFile(version: 1)))
        try other.sign(with: repository.rootSigners[0])
        var strict = try TrustedMetadataSet(rootBytes: repository.root(version: 1), referenceTime: repository.now, acceptsExpired: true)
        #expect(throws: UpdateError.self) { try strict.updateTimestamp(other.encoded()) }
    }
}

@Suite("Shipped roots")
struct KnownRepositoryTests {
    static let metadata = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("metadata/sigstore")

    @Test(arguments: [
        ("sigstore", "production", "73747011d0857ada15479a16c4cae0f3ed03aac698b523b97e1de314ac9d9ca8", 15),
        ("sigstore-staging", "staging", "353d172f05f9e73b4a647b1a464f16726d929cbfd030cc42bffb86cd742fb61f", 14),
    ])
    func embeddedRootIsTheShippedFile(name: String, folder: String, sha256: String, version: Int) throws {
        let repository = try #require(KnownRepository.named(name))
        let file = try Data(contentsOf: Self.metadata.appendingPathComponent("\(folder)/root.json"))
        #expect(repository.rootBytes == Array(file))
        #expect(Hex.encode(SHA256.hash(data: repository.rootBytes)) == sha256)
        // Self-signed by a threshold of its keys, as every starting root must be.
        let set = try TrustedMetadataSet(rootBytes: repository.rootBytes, referenceTime: Date())
        #expect(set.root.signed.version == version)
        #expect(repository.targetsURL.absoluteString == repository.metadataURL.absoluteString + "/targets")
    }
}
