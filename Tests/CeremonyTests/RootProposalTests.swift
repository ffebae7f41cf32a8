import Ceremony
import Foundation
import TUF
import TUFClient
import Testing

@Suite("Root proposals")
struct RootProposalTests {
    /// Five key holders, three of five, each key carrying its owner's name.
    struct Holders {
        var signers: [InMemorySigner]
        let online: InMemorySigner
        let names = ["@alice", "@bob", "@carol", "@dave", "@erin"]
        /// One expiry for every root these holders make, so two roots differ only where a test
        /// changes them (a clock read per root differed across a second's turn).
        let expires = Date().addingTimeInterval(180 * 86_400)

        init() throws {
            signers = try (0..<5).map { _ in try InMemorySigner(generating: .ecdsaP256) }
            online = try InMemorySigner(generating: .ed25519)
        }

        func key(_ index: Int) -> Key {
            var key = signers[index].publicKey
            key.unrecognizedFields["x-tuf-on-ci-keyowner"] = .string(names[index])
            return key
        }

        func root(version: Int, threshold: Int = 3, keys: [Key]? = nil) -> Root {
            let holderKeys = keys ?? (0..<5).map(key)
            var all = Dictionary(uniqueKeysWithValues: holderKeys.map { ($0.keyID, $0) })
            all[online.publicKey.keyID] = online.publicKey
            let onlineRole = Role(keyIDs: [online.publicKey.keyID], threshold: 1)
            return Root(
                version: version,
                expires: expires,
                keys: all,
                roles: [
                    "root": Role(keyIDs: holderKeys.map(\.keyID), threshold: threshold), "timestamp": onlineRole, "snapshot": onlineRole,
                    "targets": onlineRole,
                ]
            )
        }
    }

    @Test func firstRootNeedsItsOwnThreshold() throws {
        let holders = try Holders()
        var proposal = try RootProposal(previous: nil, metadata: Metadata(signed: holders.root(version: 1)))
        #expect(!proposal.isComplete)
        // Each missing key is named by its holder, then its id.
        #expect(proposal.missingHolders.newRoot == (0..<5).map { "\(holders.names[$0]) (\(holders.key($0).keyID))" })
        try proposal.sign(with: holders.signers[0])
        try proposal.sign(with: holders.signers[3])
        #expect(proposal.missingHolders.newRoot.map(Self.holder) == ["@bob", "@carol", "@erin"])
        #expect(!proposal.isComplete)
        try proposal.sign(with: holders.signers[4])
        #expect(proposal.isComplete)
        #expect(proposal.status.previousRoot == nil)
        // A trusting client takes it as its starting root.
        #expect(throws: Never.self) { try TrustedMetadataSet(rootBytes: proposal.metadata.encoded(), referenceTime: Date()) }
    }

    @Test func rotationIsSignedByOldAndNewKeysAndAClientFollowsIt() throws {
        var holders = try Holders()
        var first = try RootProposal(previous: nil, metadata: Metadata(signed: holders.root(version: 1)))
        for index in 0..<3 { try first.sign(with: holders.signers[index]) }
        let published = first.metadata

        // v2: @erin's key replaced by an Ed25519 key, the threshold raised to 4.
        let erinOld = holders.signers[4]
        let erinOldID = published.signed.roles["root"]!.keyIDs[4]
        holders.signers[4] = try InMemorySigner(generating: .ed25519)
        var second = try RootProposal(previous: published.signed, metadata: Metadata(signed: holders.root(version: 2, threshold: 4)))
        #expect(
            RootDiff.changes(from: published.signed, to: second.metadata.signed).sorted()
                == [
                    "root: + key \(holders.key(4).keyID) ed25519/ed25519 @erin",
                    "root: - key \(erinOldID) ecdsa/ecdsa-sha2-nistp256 @erin",
                    "root: threshold 3 → 4",
                ]
        )
        // The old key signs for the previous root only; the new key for the new root only.
        #expect(try second.sign(with: erinOld) == [erinOldID])
        #expect(try second.sign(with: holders.signers[4]) == [holders.key(4).keyID])
        try second.sign(with: holders.signers[0])
        try second.sign(with: holders.signers[1])
        #expect(second.status.previousRoot?.isSatisfied == true)
        #expect(second.status.newRoot.signedKeyIDs.count == 3)
        #expect(!second.isComplete)
        #expect(second.missingHolders.newRoot.map(Self.holder) == ["@carol", "@dave"])
        try second.sign(with: holders.signers[2])
        #expect(second.isComplete)

        // A key not in either root is refused.
        let stranger = try InMemorySigner(generating: .ecdsaP256)
        #expect(throws: CeremonyError.keyNotInRoot(stranger.publicKey.keyID)) { try second.sign(with: stranger) }

        // Our client, trusting v1, accepts v2.
        var client = try TrustedMetadataSet(rootBytes: published.encoded(), referenceTime: Date())
        try client.updateRoot(second.metadata.encoded())
        #expect(client.root.signed.version == 2)
    }

    @Test func aKeyWhoseIDChangesSignsUnderBoth() throws {
        let holders = try Holders()
        var first = try RootProposal(previous: nil, metadata: Metadata(signed: holders.root(version: 1)))
        for index in 0..<3 { try first.sign(with: holders.signers[index]) }
        // v2 lists @alice's key in the older key type form: same key, another id.
        var keys = (0..<5).map(holders.key)
        keys[0] = Key(
            keyType: "ecdsa-sha2-nistp256",
            scheme: "ecdsa-sha2-nistp256",
            publicValue: holders.signers[0].publicKey.publicValue,
            unrecognizedFields: keys[0].unrecognizedFields
        )
        var second = try RootProposal(previous: first.metadata.signed, metadata: Metadata(signed: holders.root(version: 2, keys: keys)))
        #expect(
            RootDiff.changes(from: first.metadata.signed, to: second.metadata.signed) == [
                "root: key \(holders.key(0).keyID) is now listed as \(keys[0].keyID)"
            ]
        )
        #expect(Set(try second.sign(with: holders.signers[0])) == [keys[0].keyID, holders.key(0).keyID])
        #expect(second.metadata.signatures.count == 2)
    }

    @Test func mergesCopiesSignedElsewhereAndDropsBadSignatures() throws {
        let holders = try Holders()
        let unsigned = try RootProposal(previous: nil, metadata: Metadata(signed: holders.root(version: 1)))
        var machineA = unsigned
        var machineB = unsigned
        try machineA.sign(with: holders.signers[0])
        try machineB.sign(with: holders.signers[1])
        try machineB.sign(with: holders.signers[2])
        var tampered = machineB.metadata
        tampered.signatures[1].signature = String(repeating: "00", count: 70)
        #expect(machineA.merge(tampered) == [holders.key(1).keyID])
        #expect(machineA.merge(machineB.metadata) == [holders.key(2).keyID])
        #expect(machineA.isComplete)
        // A copy of different content contributes nothing.
        var other = machineB.metadata
        other.signed.version = 1
        other.signed.expires = other.signed.expires.addingTimeInterval(86_400)
        var fresh = unsigned
        #expect(fresh.merge(other).isEmpty)
        #expect(throws: CeremonyError.notTheNextVersion(previous: 0, proposed: 2)) {
            try RootProposal(previous: nil, metadata: Metadata(signed: holders.root(version: 2)))
        }
    }

    /// The holder's name at the start of a missing-key label.
    static func holder(_ label: String) -> String { String(label.prefix { $0 != " " }) }
}
