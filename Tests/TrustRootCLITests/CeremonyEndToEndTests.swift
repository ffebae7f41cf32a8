import Ceremony
import Foundation
import TUF
import TUFClient
import TestSupport
import Testing

/// A whole ceremony through the `trustroot` CLI: five key holders (3 of 5), two of them on
/// SoftHSM2 tokens, publish root v1, rotate twice, and both python-tuf and our client walk the
/// published repository from v1 and download `trusted_root.json`.
@Suite("Ceremony end to end", .serialized)
struct CeremonyEndToEndTests {
    static let passphrase = "holder passphrase"
    static var environment: [String: String] {
        let base = ["TRUSTROOT_KEY_PASSPHRASE": passphrase, "TRUSTROOT_PKCS11_PIN": "1234"]
        // The token's configuration goes to the child explicitly (see SoftHSM.environment).
        guard case .success(let token) = SoftHSM.shared else { return base }
        return base.merging(token.environment) { $1 }
    }

    /// The public-good trusted root the project ships, published as the ceremony's target.
    static let trustedRoot = Python.interopDirectory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("metadata/sigstore/production/trusted_root.json")

    /// A ceremony folder: key files, token key records, configurations and the workspace.
    struct Ceremony {
        let folder: TemporaryDirectory
        var workspace: String { folder.file("ws").path }
        var repository: String { folder.file("repo").path }

        init() throws {
            folder = try TemporaryDirectory()
            try FileManager.default.createDirectory(at: folder.file("keys"), withIntermediateDirectories: true)
        }

        /// Writes an encrypted key file `keys/NAME.key` and its public key `keys/NAME.pub.json`
        /// (cheap scrypt: these are test keys).
        @discardableResult
        func fileKey(_ name: String, _ kind: InMemorySigner.KeyKind) throws -> InMemorySigner {
            let signer = try InMemorySigner(generating: kind)
            let info = try EncryptedPrivateKeyInfo(
                encrypting: signer.pkcs8DERRepresentation,
                passphrase: Array(CeremonyEndToEndTests.passphrase.utf8),
                keyDerivation: .scrypt(salt: Array(repeating: 7, count: 16), n: 1 << 10, r: 8, p: 1)
            )
            try folder.write("keys/\(name).key", Array(info.pemEncoded.utf8))
            try folder.write("keys/\(name).pub.json", JSONWriter.prettyPrinted(["key": signer.publicKey.json]))
            return signer
        }

        /// Records the SoftHSM key with CKA_ID `id` as `keys/NAME.p11.json`, as a holder does.
        func tokenKey(_ name: String, id: String) async throws {
            let imported = try await TrustRootBinary.run(
                [
                    "key", "import-pkcs11", "--module", SoftHSM.module, "--token-label", "trustroot-test", "--key-id", id,
                    "--out", folder.file("keys/\(name).p11.json").path,
                ],
                environment: CeremonyEndToEndTests.environment
            )
            #expect(imported.status == 0, "\(imported.stderr)")
        }

        /// Writes `NAME.json`, a configuration with these holders' key files and root threshold.
        func config(_ name: String, keys: [String: String], rootThreshold: Int) throws {
            let holders = ["alice", "bob", "carol", "dave", "erin"]
            var holderObject = JSONObject()
            for holder in holders { holderObject[holder] = ["key_file": .string("keys/\(keys[holder]!)")] }
            let config: JSONValue = [
                "comment": "end-to-end test ceremony",
                "test_keys": true,
                "holders": .object(holderObject),
                "online_key": ["key_file": "keys/online.pub.json"],
                "root": [
                    "holders": .array(holders.map { .string($0) }), "threshold": .integer(Int64(rootThreshold)), "expiry_days": 365,
                    "signing_period_days": 60,
                ],
                "targets": ["holders": ["alice", "bob", "carol"], "threshold": 2, "expiry_days": 180, "signing_period_days": 30],
                "snapshot": ["expiry_days": 7],
                "timestamp": ["expiry_days": 1],
                "delegations": ["releases": ["holders": ["dave"], "threshold": 1, "paths": ["releases/*"], "expiry_days": 90]],
                "files": [
                    "trusted_root.json": [
                        "file": .string(CeremonyEndToEndTests.trustedRoot.path),
                        "custom": ["sigstore": ["usage": "TrustedRoot", "status": "Active"]],
                    ],
                    "releases/notes.txt": ["file": "notes.txt", "role": "releases"],
                ],
            ]
            try folder.write("\(name).json", JSONWriter.prettyPrinted(config))
        }

        /// Runs `trustroot ceremony ARGUMENTS` with the test passphrase and PIN.
        func ceremony(_ arguments: [String]) async throws -> TrustRootBinary.Outcome {
            try await TrustRootBinary.run(["ceremony"] + arguments, environment: CeremonyEndToEndTests.environment)
        }

        /// Signs the workspace `workspace` with each holder's key (`.key` files or `.p11.json` records).
        func sign(_ keys: [String], in workspace: String? = nil) async throws {
            for key in keys {
                let option = key.hasSuffix(".p11.json") ? "--pkcs11" : "--key"
                let signed = try await ceremony(["sign", workspace ?? self.workspace, option, folder.file("keys/\(key)").path])
                #expect(signed.status == 0, "\(key): \(signed.stderr)")
            }
        }
    }

    @Test func fiveHoldersPublishAndRotateTwiceAndClientsFollowFromVersionOne() async throws {
        guard case .success = SoftHSM.shared else {
            Issue.record("SoftHSM2 is needed: \(SoftHSM.shared)")
            return
        }
        let ceremony = try Ceremony()
        let folder = ceremony.folder
        try ceremony.fileKey("alice", .ed25519)
        try ceremony.fileKey("bob", .ecdsaP256)
        try ceremony.fileKey("carol", .ed25519)
        try ceremony.fileKey("online", .ecdsaP256)
        try await ceremony.tokenKey("dave", id: "01")  // P-256 on the token
        try await ceremony.tokenKey("erin", id: "03")  // Ed25519 on the token
        try folder.write("notes.txt", Array("release notes\n".utf8))
        var keys = [
            "alice": "alice.pub.json", "bob": "bob.pub.json", "carol": "carol.pub.json", "dave": "dave.p11.json",
            "erin": "erin.p11.json",
        ]
        try ceremony.config("v1", keys: keys, rootThreshold: 3)

        // Root v1: init, then alice and bob sign here, dave on a second machine's copy.
        let initialized = try await ceremony.ceremony([
            "init", ceremony.workspace, "--config", folder.file("v1.json").path, "--holder", "alice",
        ])
        #expect(initialized.status == 0, "\(initialized.stderr)")
        #expect(initialized.stdout.hasPrefix("proposed root v1, targets v1, releases v1\n"))
        // The id a holder reads aloud is the one the metadata lists and status and diff show.
        let shown = try await TrustRootBinary.run([
            "key", "show", folder.file("keys/alice.pub.json").path, "--holder", "alice", "--test-key", "--json",
        ])
        let aliceID = try #require(try JSONParser().parse(Array(shown.stdout.utf8)).objectValue?["metadata_keyid"]?.stringValue)
        let proposedRoot = try Metadata<Root>(bytes: try folder.read("ws/proposal/root.json"))
        #expect(proposedRoot.signed.keys[aliceID]?.owner == "alice")
        let firstStatus = try await ceremony.ceremony(["status", ceremony.workspace])
        #expect(firstStatus.stdout.contains("alice (\(aliceID))"), "\(firstStatus.stdout)")
        let firstDiff = try await ceremony.ceremony(["diff", ceremony.workspace])
        #expect(firstDiff.stdout.contains("root: + key \(aliceID) "), "\(firstDiff.stdout)")
        try await ceremony.sign(["alice.key", "bob.key"])
        try FileManager.default.copyItem(at: folder.file("ws"), to: folder.file("ws2"))
        try await ceremony.sign(["dave.p11.json"], in: folder.file("ws2").path)

        // Two of three root signatures: publish is refused and writes nothing.
        let early = try await ceremony.ceremony([
            "publish", ceremony.workspace, "--out", ceremony.repository, "--online-key", folder.file("keys/online.key").path,
        ])
        #expect(early.status == 1)
        #expect(early.stderr.contains("not enough signatures: root v1 has 2 of 3 required signatures"))
        #expect(early.stderr.contains("releases v1 has 0 of 1 required signatures"))
        #expect(!FileManager.default.fileExists(atPath: ceremony.repository))

        let merged = try await ceremony.ceremony(["merge", ceremony.workspace, folder.file("ws2").path])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout.contains("merged root signatures of "))
        #expect(merged.stdout.hasSuffix("complete: ready to publish\n"))
        try await publish(ceremony, expecting: "root v1, targets v1, releases v1, snapshot v1, timestamp v1")

        // Rotation 1 (root v2): bob's key is replaced. Targets v1 was signed by alice and bob's
        // old key, one short under v2's targets keys, so it is proposed again; releases stays.
        try ceremony.fileKey("bob2", .ed25519)
        keys["bob"] = "bob2.pub.json"
        try ceremony.config("v2", keys: keys, rootThreshold: 3)
        let proposed = try await ceremony.ceremony(["propose", ceremony.workspace, "--config", folder.file("v2.json").path])
        #expect(proposed.status == 0, "\(proposed.stderr)")
        #expect(proposed.stdout.hasPrefix("proposed root v2, targets v2\n"))
        let diff = try await ceremony.ceremony(["diff", ceremony.workspace])
        #expect(diff.stdout.contains("root: + key ") && diff.stdout.contains("ed25519/ed25519 bob\n"))
        #expect(diff.stdout.contains("root: - key ") && diff.stdout.contains("ecdsa/ecdsa-sha2-nistp256 bob\n"))
        // bob signs with the old key (for v1's threshold) and the new one (for v2's).
        try await ceremony.sign(["alice.key", "bob.key", "bob2.key", "erin.p11.json"])
        let status = try await ceremony.ceremony(["status", ceremony.workspace])
        #expect(status.stdout.contains("as the new root: 3 of 3 required signatures"))
        #expect(status.stdout.contains("by root v1's keys: 3 of 3 required signatures"))
        try await publish(ceremony, expecting: "root v2, targets v2, snapshot v2, timestamp v2")

        // Rotation 2 (root v3): the root threshold rises to 4 of 5, carol's key changes from
        // Ed25519 to P-384. Targets v2 keeps its two valid signatures (alice, bob's new key).
        try ceremony.fileKey("carol2", .ecdsaP384)
        keys["carol"] = "carol2.pub.json"
        try ceremony.config("v3", keys: keys, rootThreshold: 4)
        let proposed3 = try await ceremony.ceremony(["propose", ceremony.workspace, "--config", folder.file("v3.json").path])
        #expect(proposed3.stdout.hasPrefix("proposed root v3\n"), "\(proposed3.stdout)\(proposed3.stderr)")
        let diff3 = try await ceremony.ceremony(["diff", ceremony.workspace])
        #expect(diff3.stdout.contains("root: threshold 3 → 4"))
        #expect(diff3.stdout.contains("ecdsa/ecdsa-sha2-nistp384 carol"))
        try await ceremony.sign(["alice.key", "bob2.key", "carol2.key"])
        let three = try await ceremony.ceremony(["verify", ceremony.workspace])
        #expect(three.status == 1)
        #expect(three.stdout.contains("as the new root: 3 of 4 required signatures"))
        // carol signed with her new key; root v2's threshold needs her old one.
        let rootV2 = try Metadata<Root>(bytes: try folder.read("repo/metadata/2.root.json")).signed
        let carolOld = try #require(rootV2.keys.first { $0.value.owner == "carol" }?.key)
        #expect(
            three.stdout.contains("carol (\(carolOld)), the old key that root v2 lists and this proposal rotates out"),
            "\(three.stdout)"
        )
        try await ceremony.sign(["dave.p11.json"])
        try await publish(ceremony, expecting: "root v3, snapshot v3, timestamp v3")

        let metadata = try FileManager.default.contentsOfDirectory(atPath: folder.file("repo/metadata").path).sorted()
        #expect(
            metadata == [
                "1.releases.json", "1.root.json", "1.snapshot.json", "1.targets.json", "2.root.json", "2.snapshot.json",
                "2.targets.json", "3.root.json", "3.snapshot.json", "root.json", "timestamp.json",
            ]
        )
        let transcript = try await ceremony.ceremony(["verify", ceremony.workspace])
        #expect(transcript.status == 0, "\(transcript.stderr)")
        #expect(transcript.stdout.hasPrefix("transcript: 17 records, chain intact"))
        // Every sign record is signed by the key that signed, token keys (dave, erin) included.
        let signLines = transcript.stdout.split(separator: "\n").filter { $0.contains(": sign by ") }
        #expect(!signLines.isEmpty)
        #expect(signLines.allSatisfy { $0.contains(", signed by key ") }, "\(signLines)")
        for holder in ["dave", "erin"] {
            #expect(
                signLines.contains { $0.contains("sign by \(holder), signed by key") && $0.hasSuffix("(\(holder))") },
                "\(holder): \(signLines)"
            )
        }

        // python-tuf, trusting v1, walks to v3 over loopback and downloads both targets.
        let server = try LoopbackServer(serving: folder.file("repo"))
        let metadataURL = server.baseURL.appendingPathComponent("metadata").absoluteString
        let targetsURL = server.baseURL.appendingPathComponent("targets").absoluteString
        let expected = Array(try Data(contentsOf: Self.trustedRoot))
        try FileManager.default.createDirectory(at: folder.file("python"), withIntermediateDirectories: true)
        for (target, out) in [("trusted_root.json", "python-trusted_root.json"), ("releases/notes.txt", "python-notes.txt")] {
            let version = try await Python.run(
                "ngclient_get.py",
                [
                    folder.file("repo/metadata/1.root.json").path, folder.file("python").path, metadataURL, targetsURL, target,
                    folder.file(out).path,
                ]
            )
            #expect(version.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        }
        #expect(try folder.read("python-trusted_root.json") == expected)
        #expect(try folder.read("python-notes.txt") == Array("release notes\n".utf8))

        // So does our client.
        let cache = folder.file("client").path
        let initClient = try await TrustRootBinary.run(
            [
                "client", "init", "--repo", metadataURL, "--targets-url", targetsURL, "--root",
                folder.file("repo/metadata/1.root.json").path, "--cache", cache,
            ]
        )
        #expect(initClient.status == 0, "\(initClient.stderr)")
        let get = try await TrustRootBinary.run([
            "client", "get", "trusted_root.json", "-o", folder.file("ours.json").path, "--cache", cache,
        ])
        #expect(get.status == 0, "\(get.stderr)")
        #expect(get.stderr.contains("root v1 → v2") && get.stderr.contains("root v2 → v3"))
        #expect(try folder.read("ours.json") == expected)
    }

    /// Publishes the workspace to the repository with the online key and checks what was published.
    func publish(_ ceremony: Ceremony, expecting published: String) async throws {
        let outcome = try await ceremony.ceremony(
            ["publish", ceremony.workspace, "--out", ceremony.repository, "--online-key", ceremony.folder.file("keys/online.key").path]
        )
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.hasPrefix("published \(published) to "), "\(outcome.stdout)")
    }
}
