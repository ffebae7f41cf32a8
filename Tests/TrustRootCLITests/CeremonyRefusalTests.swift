import Ceremony
import Foundation
import TUF
import TestSupport
import Testing

/// What a ceremony must refuse: each refusal is one readable line, a non-zero exit, and leaves
/// the workspace as it was.
@Suite("Ceremony refusals")
struct CeremonyRefusalTests {
    typealias Ceremony = CeremonyEndToEndTests.Ceremony

    /// A workspace with root v1 proposed by five file-key holders (3 of 5).
    func proposedCeremony() async throws -> Ceremony {
        let ceremony = try Ceremony()
        for (name, kind) in [
            ("alice", InMemorySigner.KeyKind.ed25519), ("bob", .ecdsaP256), ("carol", .ed25519), ("dave", .ed25519), ("erin", .ecdsaP256),
            ("online", .ed25519),
        ] {
            try ceremony.fileKey(name, kind)
        }
        try ceremony.folder.write("notes.txt", Array("release notes\n".utf8))
        let keys = Dictionary(uniqueKeysWithValues: ["alice", "bob", "carol", "dave", "erin"].map { ($0, "\($0).pub.json") })
        try ceremony.config("v1", keys: keys, rootThreshold: 3)
        let initialized = try await ceremony.ceremony(["init", ceremony.workspace, "--config", ceremony.folder.file("v1.json").path])
        #expect(initialized.status == 0, "\(initialized.stderr)")
        return ceremony
    }

    /// Every file of the workspace, for checking that a refused step changed nothing.
    func snapshot(_ ceremony: Ceremony) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let base = ceremony.folder.file("ws")
        for case let path as String in FileManager.default.enumerator(atPath: base.path)! {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: base.appendingPathComponent(path).path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            else { continue }
            files[path] = try Data(contentsOf: base.appendingPathComponent(path))
        }
        return files
    }

    @Test func keysThatMayNotSignAreRefusedAndChangeNothing() async throws {
        let ceremony = try await proposedCeremony()
        let before = try snapshot(ceremony)

        let stranger = try ceremony.fileKey("mallory", .ed25519)
        let refused = try await ceremony.ceremony(["sign", ceremony.workspace, "--key", ceremony.folder.file("keys/mallory.key").path])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.hasSuffix(
                "key \(stranger.publicKey.keyID) is not a key of any role this proposal asks signatures for: `trustroot ceremony status` lists who is to sign\n"
            )
        )

        let wrong = try await TrustRootBinary.run(
            ["ceremony", "sign", ceremony.workspace, "--key", ceremony.folder.file("keys/alice.key").path],
            environment: ["TRUSTROOT_KEY_PASSPHRASE": "not the passphrase"]
        )
        #expect(wrong.status == 1)
        #expect(
            wrong.stderr == "trustroot: \(ceremony.folder.file("keys/alice.key").path): wrong passphrase, or the key file was altered\n"
        )

        // A token record naming a module that does not exist.
        let record: JSONValue = [
            "pkcs11": PKCS11KeyReference(module: "/nonexistent/libpkcs11.so", tokenLabel: "t", tokenSerial: nil, keyID: [1], keyLabel: nil)
                .json,
            "key": stranger.publicKey.json,
        ]
        try ceremony.folder.write("keys/missing.p11.json", JSONWriter.prettyPrinted(record))
        let noModule = try await ceremony.ceremony([
            "sign", ceremony.workspace, "--pkcs11", ceremony.folder.file("keys/missing.p11.json").path,
        ])
        #expect(noModule.status == 66)
        #expect(noModule.stderr.hasPrefix("trustroot: /nonexistent/libpkcs11.so: cannot load PKCS#11 module /nonexistent/libpkcs11.so: "))
        let importMissing = try await TrustRootBinary.run(
            [
                "key", "import-pkcs11", "--module", "/nonexistent/libpkcs11.so", "--token-label", "t", "--key-id", "01", "--out",
                ceremony.folder.file("keys/never.p11.json").path,
            ],
            environment: CeremonyEndToEndTests.environment
        )
        #expect(importMissing.status == 66)
        #expect(!FileManager.default.fileExists(atPath: ceremony.folder.file("keys/never.p11.json").path))

        #expect(try snapshot(ceremony) == before)
        let verified = try await ceremony.ceremony(["verify", ceremony.workspace])
        #expect(verified.status == 1)
        #expect(verified.stdout.hasPrefix("transcript: 1 records, chain intact"))
    }

    @Test func handEditsAreCaughtByVerifyAndStopEveryStep() async throws {
        let ceremony = try await proposedCeremony()
        try await ceremony.sign(["alice.key", "bob.key", "carol.key", "dave.key"])
        #expect(try await ceremony.ceremony(["verify", ceremony.workspace]).status == 0)

        // A target file swapped after the holders signed.
        let target = "ws/targets/releases/notes.txt"
        let original = try ceremony.folder.read(target)
        try ceremony.folder.write(target, Array("other notes\n".utf8))
        let verify = try await ceremony.ceremony(["verify", ceremony.workspace])
        #expect(verify.status == 1)
        #expect(
            verify.stderr.hasSuffix(
                "targets/releases/notes.txt changed since the last recorded step (sign by dave): edited outside the ceremony\n"
            )
        )
        let publish = try await ceremony.ceremony(
            ["publish", ceremony.workspace, "--out", ceremony.repository, "--online-key", ceremony.folder.file("keys/online.key").path]
        )
        #expect(publish.status == 1)
        #expect(!FileManager.default.fileExists(atPath: ceremony.repository))
        let sign = try await ceremony.ceremony(["sign", ceremony.workspace, "--key", ceremony.folder.file("keys/erin.key").path])
        #expect(sign.status == 1)
        try ceremony.folder.write(target, original)

        // A signature dropped from the proposal by hand.
        let proposal = try ceremony.folder.read("ws/proposal/root.json")
        var edited = try Metadata<Root>(bytes: proposal)
        edited.signatures.removeLast()
        try ceremony.folder.write("ws/proposal/root.json", edited.encoded())
        let dropped = try await ceremony.ceremony(["verify", ceremony.workspace])
        #expect(dropped.status == 1)
        #expect(dropped.stderr.contains("proposal/root.json changed since the last recorded step"))
        try ceremony.folder.write("ws/proposal/root.json", proposal)

        // A configuration changed without `propose`.
        let config = try ceremony.folder.read("ws/ceremony.json")
        try ceremony.folder.write("ws/ceremony.json", config + Array(" ".utf8))
        let reconfigured = try await ceremony.ceremony(["verify", ceremony.workspace])
        #expect(reconfigured.stderr.contains("ceremony.json changed since the last recorded step"))
        try ceremony.folder.write("ws/ceremony.json", config)

        // Restored, it verifies and publishes; a wrong online key is refused first.
        #expect(try await ceremony.ceremony(["verify", ceremony.workspace]).status == 0)
        let wrongOnline = try await ceremony.ceremony(
            ["publish", ceremony.workspace, "--out", ceremony.repository, "--online-key", ceremony.folder.file("keys/erin.key").path]
        )
        #expect(wrongOnline.status == 1)
        #expect(wrongOnline.stderr.contains("is not a snapshot key of the newest root"))
        #expect(!FileManager.default.fileExists(atPath: ceremony.folder.file("repo/metadata/timestamp.json").path))
        let published = try await ceremony.ceremony(
            ["publish", ceremony.workspace, "--out", ceremony.repository, "--online-key", ceremony.folder.file("keys/online.key").path]
        )
        #expect(published.status == 0, "\(published.stderr)")
    }

    @Test func badConfigurationsAndLostSignaturesAreRefused() async throws {
        let ceremony = try await proposedCeremony()
        let folder = ceremony.folder

        // Into a folder that is not empty.
        let again = try await ceremony.ceremony(["init", ceremony.workspace, "--config", folder.file("v1.json").path])
        #expect(again.status == 74)
        #expect(again.stderr.hasSuffix("not empty; a new workspace needs an empty folder\n"))

        // Misspelt field, unknown holder, threshold above the holders, a target path leaving the folder.
        let v1 = try JSONParser().parse(try folder.read("v1.json"))
        var cases: [(JSONValue, String)] = []
        var misspelt = v1.objectValue!
        misspelt["timestmap"] = misspelt["timestamp"]
        cases.append((.object(misspelt), "configuration: timestmap: unknown field"))
        var unknownHolder = v1.objectValue!
        unknownHolder["targets"] = ["holders": ["alice", "zed"], "threshold": 1, "expiry_days": 10]
        cases.append((.object(unknownHolder), "configuration: targets.holders: \"zed\" is not a key holder"))
        var threshold = v1.objectValue!
        threshold["targets"] = ["holders": ["alice"], "threshold": 2, "expiry_days": 10]
        cases.append((.object(threshold), "configuration: targets.threshold: must be between 1 and the 1 holders"))
        var escape = v1.objectValue!
        escape["files"] = ["../outside": ["file": "notes.txt"]]
        cases.append((.object(escape), "configuration: files.../outside: a target path must be relative, without empty, . or .. parts"))
        for (index, (config, message)) in cases.enumerated() {
            try folder.write("bad\(index).json", JSONWriter.prettyPrinted(config))
            let outcome = try await ceremony.ceremony([
                "init", folder.file("bad-ws\(index)").path, "--config", folder.file("bad\(index).json").path,
            ])
            #expect(outcome.status == 65, "\(message): \(outcome.stderr)")
            #expect(outcome.stderr.hasSuffix("\(message)\n"), "\(outcome.stderr)")
            #expect((try? FileManager.default.contentsOfDirectory(atPath: folder.file("bad-ws\(index)").path))?.isEmpty ?? true)
        }

        // Proposing again would throw away signatures: refused without --replace.
        try await ceremony.sign(["alice.key"])
        let propose = try await ceremony.ceremony(["propose", ceremony.workspace, "--root"])
        #expect(propose.status == 1)
        #expect(propose.stderr.contains("the pending proposal already has signatures"))
        let status = try await ceremony.ceremony(["status", ceremony.workspace])
        #expect(status.stdout.contains("as the new root: 1 of 3 required signatures"))
        let replaced = try await ceremony.ceremony(["propose", ceremony.workspace, "--root", "--replace"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(replaced.stdout.contains("as the new root: 0 of 3 required signatures"))
    }
}
