import Ceremony
import Foundation
import NetworkTransport
import TUF
import TUFClient
import TestSupport
import Testing

@Suite("Publishing a repository")
struct RepositoryPublisherTests {
    /// Root and targets signed offline by three of five holders; snapshot and timestamp online.
    struct Ceremony {
        var holders: [InMemorySigner]
        let online: InMemorySigner
        let expires = Date().addingTimeInterval(90 * 86_400)

        init() throws {
            holders = try (0..<5).map { _ in try InMemorySigner(generating: .ecdsaP256) }
            online = try InMemorySigner(generating: .ed25519)
        }

        func root(version: Int, threshold: Int = 3) -> Root {
            var keys = Dictionary(uniqueKeysWithValues: holders.map { ($0.publicKey.keyID, $0.publicKey) })
            keys[online.publicKey.keyID] = online.publicKey
            let offline = Role(keyIDs: holders.map(\.publicKey.keyID), threshold: threshold)
            let onlineRole = Role(keyIDs: [online.publicKey.keyID], threshold: 1)
            return Root(
                version: version,
                expires: expires,
                keys: keys,
                roles: ["root": offline, "targets": offline, "timestamp": onlineRole, "snapshot": onlineRole]
            )
        }

        func targets(files: [String: [UInt8]], signers: [InMemorySigner]) throws -> Metadata<Targets> {
            var metadata = Metadata(signed: Targets(expires: expires, targets: files.mapValues { TargetFile(describing: $0) }))
            for signer in signers { try metadata.sign(with: signer) }
            return metadata
        }
    }

    @Test func publishesWhatPythonTUFAndOurClientAccept() async throws {
        var ceremony = try Ceremony()
        var first = try RootProposal(previous: nil, metadata: Metadata(signed: ceremony.root(version: 1)))
        for signer in ceremony.holders[0..<3] { try first.sign(with: signer) }
        // v2 replaces holder 0's key; v3 raises the threshold to 4.
        let replaced = ceremony.holders[0]
        ceremony.holders[0] = try InMemorySigner(generating: .ecdsaP384)
        var second = try RootProposal(previous: first.metadata.signed, metadata: Metadata(signed: ceremony.root(version: 2)))
        for signer in [replaced] + ceremony.holders[0..<3] { try second.sign(with: signer) }
        var third = try RootProposal(previous: second.metadata.signed, metadata: Metadata(signed: ceremony.root(version: 3, threshold: 4)))
        for signer in ceremony.holders[0..<4] { try third.sign(with: signer) }
        #expect(first.isComplete && second.isComplete && third.isComplete)

        let trustedRoot = Array(#"{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}"#.utf8)
        let targets = try ceremony.targets(files: ["trusted_root.json": trustedRoot], signers: Array(ceremony.holders[1..<5]))
        let folder = try TemporaryDirectory()
        let repository = folder.file("repo")
        try RepositoryPublisher(directory: repository).publish(
            roots: [first.metadata, second.metadata, third.metadata],
            targets: targets,
            targetFiles: ["trusted_root.json": trustedRoot],
            online: ceremony.online,
            snapshotExpires: ceremony.expires,
            timestampExpires: Date().addingTimeInterval(86_400),
            snapshotVersion: 1,
            timestampVersion: 1
        )
        let written = try FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent("metadata").path).sorted()
        #expect(
            written == ["1.root.json", "1.snapshot.json", "1.targets.json", "2.root.json", "3.root.json", "root.json", "timestamp.json"]
        )

        // python-tuf, trusting v1, walks to v3 over loopback and downloads the trusted root.
        let server = try LoopbackServer(serving: repository)
        try FileManager.default.createDirectory(at: folder.file("python"), withIntermediateDirectories: true)
        let version = try await Python.run(
            "ngclient_get.py",
            [
                repository.appendingPathComponent("metadata/1.root.json").path, folder.file("python").path,
                server.baseURL.appendingPathComponent("metadata").absoluteString,
                server.baseURL.appendingPathComponent("targets").absoluteString,
                "trusted_root.json", folder.file("python-trusted_root.json").path,
            ]
        )
        #expect(version.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        #expect(try folder.read("python-trusted_root.json") == trustedRoot)

        // So does our client.
        let cache = try MetadataCache(directory: folder.file("ours"))
        try cache.bootstrap(rootBytes: try folder.read("repo/metadata/1.root.json"))
        var updater = Updater(
            cache: cache,
            metadataBaseURL: server.baseURL.appendingPathComponent("metadata"),
            fetcher: HTTPClientTransport(environment: [:])
        )
        let info = try #require(try await updater.targetInfo("trusted_root.json"))
        try await updater.downloadTarget(
            "trusted_root.json",
            info,
            from: server.baseURL.appendingPathComponent("targets"),
            to: folder.file("ours.json")
        )
        #expect(updater.trusted?.root.signed.version == 3)
        #expect(try folder.read("ours.json") == trustedRoot)
    }

    @Test func refusesWhatAClientWouldRefuseAndWritesNothing() throws {
        let ceremony = try Ceremony()
        var first = try RootProposal(previous: nil, metadata: Metadata(signed: ceremony.root(version: 1)))
        for signer in ceremony.holders[0..<3] { try first.sign(with: signer) }
        let file = Array("x".utf8)
        let folder = try TemporaryDirectory()
        let publisher = RepositoryPublisher(directory: folder.file("repo"))
        func publish(_ roots: [Metadata<Root>], _ targets: Metadata<Targets>, files: [String: [UInt8]] = ["x": Array("x".utf8)]) throws {
            try publisher.publish(
                roots: roots,
                targets: targets,
                targetFiles: files,
                online: ceremony.online,
                snapshotExpires: ceremony.expires,
                timestampExpires: ceremony.expires,
                snapshotVersion: 1,
                timestampVersion: 1
            )
        }
        let goodTargets = try ceremony.targets(files: ["x": file], signers: Array(ceremony.holders[0..<3]))

        // Root v2 with two of three signatures.
        var second = Metadata(signed: ceremony.root(version: 2))
        for signer in ceremony.holders[0..<2] { try second.sign(with: signer) }
        #expect(throws: CeremonyError.self) { try publish([first.metadata, second], goodTargets) }
        // Targets with two of three.
        #expect(throws: CeremonyError.self) {
            try publish([first.metadata], try ceremony.targets(files: ["x": file], signers: Array(ceremony.holders[0..<2])))
        }
        // A target file that does not match its entry.
        #expect(throws: CeremonyError.targetFile("x", "sha256 hash does not match the metadata")) {
            try publish([first.metadata], goodTargets, files: ["x": Array("y".utf8)])
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("repo").path))
        // The same inputs, corrected, publish.
        try publish([first.metadata], goodTargets)
        #expect(FileManager.default.fileExists(atPath: folder.file("repo/metadata/timestamp.json").path))
    }

    @Test func refusesToRollBackOrDropWhatTheRepositoryServes() throws {
        let ceremony = try Ceremony()
        var first = try RootProposal(previous: nil, metadata: Metadata(signed: ceremony.root(version: 1)))
        for signer in ceremony.holders[0..<3] { try first.sign(with: signer) }
        let folder = try TemporaryDirectory()
        let publisher = RepositoryPublisher(directory: folder.file("repo"))
        let delegate = try InMemorySigner(generating: .ed25519)
        func targets(version: Int, delegating: Bool) throws -> Metadata<Targets> {
            var signed = Targets(version: version, expires: ceremony.expires)
            if delegating {
                let role = DelegatedRole(
                    name: "extra",
                    keyIDs: [delegate.publicKey.keyID],
                    threshold: 1,
                    terminating: false,
                    scope: .paths(["*"])
                )
                signed.delegations = Delegations(keys: [delegate.publicKey.keyID: delegate.publicKey], roles: .list([role]))
            }
            var metadata = Metadata(signed: signed)
            for signer in ceremony.holders[0..<3] { try metadata.sign(with: signer) }
            return metadata
        }
        var extra = Metadata(signed: Targets(expires: ceremony.expires))
        try extra.sign(with: delegate)
        func publish(_ targets: Metadata<Targets>, delegated: [String: Metadata<Targets>], version: Int) throws {
            try publisher.publish(
                roots: [first.metadata],
                targets: targets,
                delegated: delegated,
                targetFiles: [:],
                online: ceremony.online,
                snapshotExpires: ceremony.expires,
                timestampExpires: ceremony.expires,
                snapshotVersion: version,
                timestampVersion: version
            )
        }
        try publish(try targets(version: 2, delegating: true), delegated: ["extra": extra], version: 1)
        let served = try folder.read("repo/metadata/timestamp.json")

        #expect(throws: CeremonyError.olderThanPublished(role: "targets", published: 2, proposed: 1)) {
            try publish(try targets(version: 1, delegating: true), delegated: ["extra": extra], version: 2)
        }
        // The same version with other content is a rollback too: clients keep what they have.
        var changed = try targets(version: 2, delegating: true)
        changed.signed.unrecognizedFields["x-changed"] = true
        for signer in ceremony.holders[0..<3] { try changed.sign(with: signer) }
        #expect(throws: CeremonyError.olderThanPublished(role: "targets", published: 2, proposed: 2)) {
            try publish(changed, delegated: ["extra": extra], version: 2)
        }
        #expect(throws: CeremonyError.roleDropped("extra")) {
            try publish(try targets(version: 3, delegating: false), delegated: [:], version: 2)
        }
        #expect(try folder.read("repo/metadata/timestamp.json") == served)
        // Newer versions of everything publish.
        try publish(try targets(version: 3, delegating: true), delegated: ["extra": extra], version: 2)
    }
}
