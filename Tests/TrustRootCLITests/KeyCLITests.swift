import Foundation
import TUF
import TestSupport
import Testing

@Suite("trustroot key")
struct KeyCLITests {
    @Test func anEmptyPassphraseIsRefused() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.file("holder.key").path
        let generated = try await TrustRootBinary.run(
            ["key", "generate", "--type", "ed25519", "--out", path],
            environment: ["TRUSTROOT_KEY_PASSPHRASE": ""]
        )
        #expect(generated.status == 65)
        #expect(generated.stderr == "trustroot: $TRUSTROOT_KEY_PASSPHRASE is empty: an empty passphrase or PIN is not accepted\n")
        #expect(!FileManager.default.fileExists(atPath: path))
        try #require(
            try await TrustRootBinary.run(
                ["key", "generate", "--type", "ed25519", "--out", path],
                environment: ["TRUSTROOT_KEY_PASSPHRASE": "x"]
            )
            .status == 0
        )
        let shown = try await TrustRootBinary.run(["key", "show", path], environment: ["TRUSTROOT_KEY_PASSPHRASE": ""])
        #expect(shown.status == 65)
    }

    /// A process holding a decrypted key cannot dump core: the limit is zero. Seen on a `sign`
    /// that decrypted its key and then waits on a log that accepts the connection and never answers.
    @Test func aProcessHoldingAKeyDumpsNoCore() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.file("holder.key").path
        let secret = ["TRUSTROOT_KEY_PASSPHRASE": "s3cret passphrase"]
        try #require(
            try await TrustRootBinary.run(["key", "generate", "--type", "ecdsa-p256", "--out", path], environment: secret).status == 0
        )
        try folder.write("artifact.txt", Array("artifact\n".utf8))
        let (listener, port) = try LoopbackSocket.listening(backlog: 4)
        defer { close(listener) }
        let process = try TrustRootBinary.start(
            [
                "sign", "--key", path, "--rekor-url", "http://127.0.0.1:\(port)", "--bundle", folder.file("out.sigstore.json").path,
                folder.file("artifact.txt").path,
            ],
            environment: secret
        )
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        // The connection arrives once the key is decrypted and the artifact signed.
        var waiting = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        try #require(poll(&waiting, 1, 30_000) == 1, "sign never reached the log")
        let limits = try String(contentsOfFile: "/proc/\(process.processIdentifier)/limits", encoding: .utf8)
        let core = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max core file size") })
        #expect(core.split(separator: " ", omittingEmptySubsequences: true).dropFirst(4).prefix(2) == ["0", "0"], "\(core)")
    }

    @Test func generatesAnEncryptedKeyAndShowsItsPublicKey() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.file("holder.key").path
        let secret = ["TRUSTROOT_KEY_PASSPHRASE": "s3cret passphrase"]
        let generated = try await TrustRootBinary.run(
            ["key", "generate", "--type", "ed25519", "--out", path, "--json"],
            environment: secret
        )
        #expect(generated.status == 0, "\(generated.stderr)")
        let printed = try #require(try JSONParser().parse(Array(generated.stdout.utf8)).objectValue)
        let key = try Key(json: try #require(printed["key"]))
        #expect(printed["keyid"]?.stringValue == key.keyID)
        #expect(key.keyType == "ed25519")

        // The file holds no secret in the clear, only its owner may read it, and it reopens.
        let contents = try String(contentsOfFile: path, encoding: .utf8)
        #expect(contents.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        #expect(!contents.contains("s3cret"))
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        let shown = try await TrustRootBinary.run(["key", "show", path, "--json"], environment: secret)
        #expect(shown.stdout == generated.stdout)
        #expect(!shown.stdout.contains("s3cret") && !shown.stderr.contains("s3cret"))

        let wrong = try await TrustRootBinary.run(["key", "show", path], environment: ["TRUSTROOT_KEY_PASSPHRASE": "nope"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr == "trustroot: \(path): wrong passphrase, or the key file was altered\n")
        let again = try await TrustRootBinary.run(["key", "generate", "--type", "ed25519", "--out", path], environment: secret)
        #expect(again.status == 74)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == contents)
        let badType = try await TrustRootBinary.run(
            ["key", "generate", "--type", "dsa", "--out", folder.file("x").path],
            environment: secret
        )
        #expect(badType.status == 64)
    }

    @Test func importsATokenKey() async throws {
        let hsm = try SoftHSM.shared.get()
        let folder = try TemporaryDirectory()
        let path = folder.file("holder-token.json").path
        var environment = hsm.environment
        let imported = try await TrustRootBinary.run(
            ["key", "import-pkcs11", "--module", SoftHSM.module, "--token-label", hsm.tokenLabel, "--key-id", "01", "--out", path],
            environment: environment
        )
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("type ecdsa, scheme ecdsa-sha2-nistp256"))
        let record = try #require(try JSONParser().parse(folder.read("holder-token.json")).objectValue)
        #expect(record["pkcs11"]?.objectValue?["key_id"] == "01")
        let key = try Key(json: try #require(record["key"]))
        #expect(record["keyid"]?.stringValue == key.keyID)
        // The record shows without the token or PIN.
        let shown = try await TrustRootBinary.run(["key", "show", path, "--json"])
        #expect(shown.status == 0)
        #expect(shown.stdout.contains(key.keyID))

        environment["TRUSTROOT_PKCS11_PIN"] = "0000"
        let wrongPIN = try await TrustRootBinary.run(
            [
                "key", "import-pkcs11", "--module", SoftHSM.module, "--token-label", hsm.tokenLabel, "--key-id", "01", "--out",
                folder.file("x.json").path,
            ],
            environment: environment
        )
        #expect(wrongPIN.status == 1)
        #expect(wrongPIN.stderr == "trustroot: \(SoftHSM.module): the token refused the PIN\n")
        let noModule = try await TrustRootBinary.run(
            [
                "key", "import-pkcs11", "--module", "/no/such/module.so", "--token-label", "x", "--key-id", "01", "--out",
                folder.file("y.json").path,
            ],
            environment: environment
        )
        #expect(noModule.status == 66)
        #expect(noModule.stderr == "trustroot: /no/such/module.so: cannot load PKCS#11 module /no/such/module.so: no such file\n")
        #expect(!FileManager.default.fileExists(atPath: folder.file("x.json").path))
    }
}
