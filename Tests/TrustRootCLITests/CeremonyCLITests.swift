import Ceremony
import Foundation
import TUF
import TUFClient
import TestSupport
import Testing

/// Key holders signing a root rotation through `trustroot ceremony`, on two copies of a workspace.
@Suite("trustroot ceremony")
struct CeremonyCLITests {
    static let passphrase = "holder passphrase"

    /// Writes an encrypted key file for a new key and returns its signer (cheap scrypt, for speed).
    func holderKey(_ folder: TemporaryDirectory, _ name: String) throws -> InMemorySigner {
        let signer = try InMemorySigner(generating: .ed25519)
        let info = try EncryptedPrivateKeyInfo(
            encrypting: signer.pkcs8DERRepresentation,
            passphrase: Array(Self.passphrase.utf8),
            keyDerivation: .scrypt(salt: Array(repeating: 3, count: 16), n: 1 << 10, r: 8, p: 1)
        )
        try folder.write("\(name).key", Array(info.pemEncoded.utf8))
        return signer
    }

    func root(version: Int, holders: [(String, InMemorySigner)], threshold: Int) -> Root {
        var keys: [String: Key] = [:]
        var ids: [String] = []
        for (name, signer) in holders {
            var key = signer.publicKey
            key.unrecognizedFields["x-tuf-on-ci-keyowner"] = .string(name)
            keys[key.keyID] = key
            ids.append(key.keyID)
        }
        let role = Role(keyIDs: ids, threshold: threshold)
        return Root(
            version: version,
            expires: Date().addingTimeInterval(100 * 86_400),
            keys: keys,
            roles: ["root": role, "timestamp": role, "snapshot": role, "targets": role]
        )
    }

    @Test func holdersSignOnSeparateMachinesAndMerge() async throws {
        let folder = try TemporaryDirectory()
        let alice = try holderKey(folder, "alice")
        let bob = try holderKey(folder, "bob")
        let carol = try holderKey(folder, "carol")
        let dave = try holderKey(folder, "dave")
        var first = try RootProposal(
            previous: nil,
            metadata: Metadata(signed: root(version: 1, holders: [("@alice", alice), ("@bob", bob), ("@carol", carol)], threshold: 2))
        )
        try first.sign(with: alice)
        try first.sign(with: bob)
        try FileManager.default.createDirectory(at: folder.file("ws/published"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.file("ws/proposal"), withIntermediateDirectories: true)
        try folder.write("ws/published/1.root.json", first.metadata.encoded())
        // v2: @bob's key is replaced by @dave's.
        try folder.write(
            "ws/proposal/root.json",
            Metadata(signed: root(version: 2, holders: [("@alice", alice), ("@dave", dave), ("@carol", carol)], threshold: 2)).encoded()
        )
        let workspace = folder.file("ws").path
        let environment = ["TRUSTROOT_KEY_PASSPHRASE": Self.passphrase]
        try Workspace.adopt(at: folder.file("ws"), holder: "test")

        let diff = try await TrustRootBinary.run(["ceremony", "diff", workspace])
        #expect(diff.status == 0)
        #expect(diff.stdout.contains("root v1 → v2"))
        #expect(diff.stdout.contains("ed25519/ed25519 @dave") && diff.stdout.contains("- key"))
        let diffJSON = try await TrustRootBinary.run(["ceremony", "diff", workspace, "--json"])
        let diffRoles = try #require(try JSONParser().parse(Array(diffJSON.stdout.utf8)).arrayValue)
        #expect(diffRoles.first?.objectValue?["from_version"] == 1)
        #expect(diffRoles.first?.objectValue?["changes"]?.arrayValue?.contains { $0.stringValue?.contains("+ key") == true } == true)

        let before = try await TrustRootBinary.run(["ceremony", "status", workspace])
        #expect(before.stdout.contains("as the new root: 0 of 2 required signatures"))
        #expect(
            before.stdout.contains("not yet signed by: @alice (\(MetadataDraft.keyID(of: alice.publicKey, holder: "@alice"))), @dave ("),
            "\(before.stdout)"
        )
        let beforeJSON = try await TrustRootBinary.run(["ceremony", "status", workspace, "--json"])
        let roots = try #require(try JSONParser().parse(Array(beforeJSON.stdout.utf8)).objectValue?["proposed"]?.arrayValue)
        #expect(roots.first?.objectValue?["signatures"]?.objectValue?["missing"]?.arrayValue?.count == 3)
        #expect(roots.first?.objectValue?["previous_root_signatures"]?.objectValue?["version"] == 1)
        #expect(before.stdout.hasSuffix("incomplete\n"))

        // A second machine gets a copy; @bob (old root only) and @dave (new root only) sign there.
        try FileManager.default.copyItem(at: folder.file("ws"), to: folder.file("ws2"))
        let workspace2 = folder.file("ws2").path
        // At a terminal, sign shows what it signs and asks; no is no, and nothing changes.
        let transcriptBefore = try folder.read("ws/transcript.jsonl")
        let declined = try await TrustRootBinary.atTerminal(
            ["ceremony", "sign", workspace, "--key", folder.file("alice.key").path],
            answering: "n",
            environment: environment
        )
        #expect(declined.status == 1, "\(declined.output)")
        #expect(declined.output.contains("root v1 → v2"), "\(declined.output)")
        #expect(declined.output.contains("Sign root v2 as @alice with key "), "\(declined.output)")
        #expect(declined.output.contains("not signed: nothing was changed"))
        #expect(try folder.read("ws/transcript.jsonl") == transcriptBefore)
        let signAlice = try await TrustRootBinary.run(
            ["ceremony", "sign", workspace, "--key", folder.file("alice.key").path],
            environment: environment
        )
        #expect(signAlice.status == 0, "\(signAlice.stderr)")
        let bobAtTerminal = try await TrustRootBinary.atTerminal(
            ["ceremony", "sign", workspace2, "--key", folder.file("bob.key").path],
            answering: "y",
            environment: environment
        )
        #expect(bobAtTerminal.status == 0, "\(bobAtTerminal.output)")
        #expect(bobAtTerminal.output.contains("signed root as "), "\(bobAtTerminal.output)")
        let daveSigned = try await TrustRootBinary.run(
            ["ceremony", "sign", workspace2, "--key", folder.file("dave.key").path, "--yes"],
            environment: environment
        )
        #expect(daveSigned.status == 0, "\(daveSigned.stderr)")
        let incomplete = try await TrustRootBinary.run(["ceremony", "verify", workspace])
        #expect(incomplete.status == 1)
        #expect(incomplete.stderr.hasSuffix("root v2 not yet signed by enough keys\n"))

        let merged = try await TrustRootBinary.run(["ceremony", "merge", workspace, workspace2])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout.contains("complete: ready to publish"))
        let verified = try await TrustRootBinary.run(["ceremony", "verify", workspace])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.hasPrefix("transcript: 3 records, chain intact"))

        // A client trusting v1 takes the result.
        var client = try TrustedMetadataSet(rootBytes: first.metadata.encoded(), referenceTime: Date())
        try client.updateRoot(try folder.read("ws/proposal/root.json"))
        #expect(client.root.signed.version == 2)

        // A proposal edited by hand after the last step is caught.
        let signedProposal = try folder.read("ws/proposal/root.json")
        var edited = try Metadata<Root>(bytes: signedProposal)
        edited.signed.expires = edited.signed.expires.addingTimeInterval(86_400)
        try folder.write("ws/proposal/root.json", edited.encoded())
        let handEdited = try await TrustRootBinary.run(["ceremony", "verify", workspace])
        #expect(handEdited.status == 1)
        #expect(
            handEdited.stderr.contains(
                "proposal/root.json changed since the last recorded step (merge by merge from ws2): edited outside the ceremony"
            )
        )
        try folder.write("ws/proposal/root.json", signedProposal)

        // Refusals: a key in neither root, a wrong passphrase, an edited transcript.
        let strangerKey = try holderKey(folder, "mallory")
        let stranger = try await TrustRootBinary.run(
            ["ceremony", "sign", workspace, "--key", folder.file("mallory.key").path],
            environment: environment
        )
        #expect(stranger.status == 1)
        // The lint warnings come first: this test root lets the root keys sign online roles too.
        #expect(stranger.stderr.contains("trustroot: warning: online-root-key: "))
        #expect(
            stranger.stderr.hasSuffix(
                "trustroot: \(workspace): key \(strangerKey.publicKey.keyID) is not a key of any role this proposal asks signatures for: `trustroot ceremony status` lists who is to sign\n"
            )
        )
        let wrong = try await TrustRootBinary.run(
            ["ceremony", "sign", workspace, "--key", folder.file("carol.key").path],
            environment: ["TRUSTROOT_KEY_PASSPHRASE": "nope"]
        )
        #expect(wrong.status == 1)
        let proposalBefore = try folder.read("ws/proposal/root.json")
        let transcript = try String(contentsOf: folder.file("ws/transcript.jsonl"), encoding: .utf8)
        try transcript.replacingOccurrences(of: "\"sign\"", with: "\"skip\"").write(
            to: folder.file("ws/transcript.jsonl"),
            atomically: false,
            encoding: .utf8
        )
        let tampered = try await TrustRootBinary.run(["ceremony", "verify", workspace])
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("the transcript was altered"))
        let signAfterTamper = try await TrustRootBinary.run(
            ["ceremony", "sign", workspace, "--key", folder.file("carol.key").path],
            environment: environment
        )
        #expect(signAfterTamper.status == 1)
        #expect(try folder.read("ws/proposal/root.json") == proposalBefore)
    }
}
