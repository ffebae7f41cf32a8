import Foundation
import TUF
import TestSupport
import Testing

/// The whole trust chain in one test: key holders publish a TUF repository whose
/// trusted_root.json names the loopback Sigstore services; a client refreshes it; an artifact
/// is signed keyless through the services with what the client fetched; the bundle verifies
/// with the refreshed trusted root, by `trustroot verify` and by sigstore-python.
@Suite("Trust chain end to end", .serialized)
struct TrustChainEndToEndTests {
    /// Key holders (alice and bob, key files) propose, sign and publish, into the ceremony's
    /// `repo` folder, a TUF repository whose targets are `services`' trusted root and signing
    /// config; its first root is `repo/metadata/1.root.json`.
    static func publishRepository(naming services: TestSigstoreServices) async throws -> CeremonyEndToEndTests.Ceremony {
        let ceremony = try prepareCeremony(naming: services)
        let folder = ceremony.folder

        // Key holders: propose, both sign, publish.
        let initialized = try await ceremony.ceremony(["init", ceremony.workspace, "--config", folder.file("ceremony.json").path])
        try #require(initialized.status == 0, "\(initialized.stderr)")
        try await ceremony.sign(["alice.key", "bob.key"])
        let published = try await ceremony.ceremony(
            ["publish", ceremony.workspace, "--out", ceremony.repository, "--online-key", folder.file("keys/online.key").path]
        )
        try #require(published.status == 0, "\(published.stderr)")
        return ceremony
    }

    /// Writes, in a new ceremony folder, a configuration for holders alice and bob (threshold 2)
    /// whose targets are `services`' trusted root and signing config, with encrypted key files
    /// for both and for the online key.
    static func prepareCeremony(naming services: TestSigstoreServices) throws -> CeremonyEndToEndTests.Ceremony {
        let ceremony = try CeremonyEndToEndTests.Ceremony()
        let folder = ceremony.folder
        try ceremony.fileKey("alice", .ed25519)
        try ceremony.fileKey("bob", .ecdsaP256)
        try ceremony.fileKey("online", .ecdsaP256)
        try folder.write("trusted_root.json", services.trustedRoot())
        try folder.write("signing_config.v0.2.json", services.signingConfig())
        let config: JSONValue = [
            "comment": "trust chain test ceremony",
            "test_keys": true,
            "holders": ["alice": ["key_file": "keys/alice.pub.json"], "bob": ["key_file": "keys/bob.pub.json"]],
            "online_key": ["key_file": "keys/online.pub.json"],
            "root": ["holders": ["alice", "bob"], "threshold": 2, "expiry_days": 365, "signing_period_days": 60],
            "targets": ["holders": ["alice", "bob"], "threshold": 2, "expiry_days": 180, "signing_period_days": 30],
            "snapshot": ["expiry_days": 7],
            "timestamp": ["expiry_days": 1],
            "files": [
                "trusted_root.json": ["file": "trusted_root.json", "custom": ["sigstore": ["usage": "TrustedRoot", "status": "Active"]]],
                "signing_config.v0.2.json": [
                    "file": "signing_config.v0.2.json", "custom": ["sigstore": ["usage": "SigningConfig", "status": "Active"]],
                ],
            ],
        ]
        try folder.write("ceremony.json", JSONWriter.prettyPrinted(config))
        return ceremony
    }

    @Test func ceremonyClientSignerAndBothVerifiersAgree() async throws {
        let services = try TestSigstoreServices()
        let ceremony = try await Self.publishRepository(naming: services)
        let folder = ceremony.folder

        // A client trusting 1.root.json refreshes over loopback and fetches both Sigstore files.
        let server = try LoopbackServer(serving: folder.file("repo"))
        let cache = folder.file("client").path
        let initClient = try await TrustRootBinary.run([
            "client", "init", "--repo", server.baseURL.appendingPathComponent("metadata").absoluteString, "--targets-url",
            server.baseURL.appendingPathComponent("targets").absoluteString, "--root", folder.file("repo/metadata/1.root.json").path,
            "--cache", cache,
        ])
        #expect(initClient.status == 0, "\(initClient.stderr)")
        for target in ["trusted_root.json", "signing_config.v0.2.json"] {
            let got = try await TrustRootBinary.run([
                "client", "get", target, "-o", folder.file("fetched-\(target)").path, "--cache", cache,
            ])
            #expect(got.status == 0, "\(got.stderr)")
        }
        #expect(try folder.read("fetched-trusted_root.json") == services.trustedRoot())

        // Keyless signing with nothing but the client's folder and a token.
        try folder.write("artifact.tar.gz", Array("release 1.0 contents\n".utf8))
        try folder.write("token", Array(try services.identityToken().utf8))
        let signed = try await TrustRootBinary.run([
            "sign", "--cache", cache, "--identity-token-file", folder.file("token").path, "--bundle",
            folder.file("artifact.sigstore.json").path, folder.file("artifact.tar.gz").path,
        ])
        #expect(signed.status == 0, "\(signed.stderr)")

        // Our verifier, with the client's refreshed trusted root.
        let verified = try await TrustRootBinary.run([
            "verify", "--cache", cache, "--bundle", folder.file("artifact.sigstore.json").path, "--certificate-identity",
            TestInstance.identity, "--certificate-oidc-issuer", services.issuerURL, folder.file("artifact.tar.gz").path,
        ])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("from the client's last refresh"), "\(verified.stdout)")

        // sigstore-python, given the same trusted root.
        let python = try await Python.run(
            "sigstore_verify_bundle.py",
            [
                folder.file("fetched-trusted_root.json").path, folder.file("artifact.sigstore.json").path,
                folder.file("artifact.tar.gz").path, TestInstance.identity, services.issuerURL,
            ]
        )
        #expect(python == "verified\n")
        // And it refuses the bundle for another artifact, so its "verified" means something.
        try folder.write("other.tar.gz", Array("other contents\n".utf8))
        let refused = try await Python.run(
            "sigstore_verify_bundle.py",
            [
                folder.file("fetched-trusted_root.json").path, folder.file("artifact.sigstore.json").path, folder.file("other.tar.gz").path,
                TestInstance.identity, services.issuerURL,
            ]
        )
        #expect(refused.hasPrefix("refused: "), "\(refused)")

        // Three days on, the client's timestamp (one day) has expired: its trusted root is
        // refused by default, and taken with a warning that says how old it is when asked.
        let verify = [
            "verify", "--cache", cache, "--bundle", folder.file("artifact.sigstore.json").path, "--certificate-identity",
            TestInstance.identity, "--certificate-oidc-issuer", services.issuerURL, folder.file("artifact.tar.gz").path,
        ]
        let stale = try await Self.runLater(verify)
        #expect(stale.status == 1, "\(stale.errors)")
        #expect(stale.errors.split(separator: "\n").count == 1, "\(stale.errors)")
        #expect(stale.errors.contains("the client's trusted timestamp metadata expired on "), "\(stale.errors)")
        #expect(stale.errors.contains("--allow-expired-trusted-root"), "\(stale.errors)")
        let allowed = try await Self.runLater(verify + ["--allow-expired-trusted-root"])
        #expect(allowed.status == 0, "\(allowed.errors)")
        #expect(allowed.errors.contains("timestamp metadata expired on "), "\(allowed.errors)")

        // The client's copy is read once and checked: another file in its place is refused, a
        // FIFO is refused without waiting, and neither falls back to another root.
        let copy = folder.file("client/targets/trusted_root.json").path
        let trusted = try folder.read("client/targets/trusted_root.json")
        try folder.write("client/targets/trusted_root.json", try TestInstance().trustedRoot())
        let swapped = try await TrustRootBinary.run(verify)
        #expect(swapped.status == 1)
        #expect(swapped.stderr.contains("does not match the length and hashes"), "\(swapped.stderr)")
        try FileManager.default.removeItem(atPath: copy)
        #expect(mkfifo(copy, 0o644) == 0)
        let (fifo, waited) = try await Subprocess.finish(try TrustRootBinary.start(verify), within: 20)
        #expect(!waited, "verify waited on a FIFO in the trusted root's place")
        #expect(fifo.status == 1)
        #expect(fifo.errors.contains("not a regular file"), "\(fifo.errors)")
        try FileManager.default.removeItem(atPath: copy)
        try folder.write("client/targets/trusted_root.json", trusted)
        #expect(try await TrustRootBinary.run(verify).status == 0)
    }

    /// Runs `trustroot` three days in the future (faketime).
    static func runLater(_ arguments: [String]) async throws -> Subprocess.Outcome {
        try await Subprocess.finish(
            try Subprocess.start(URL(fileURLWithPath: "/usr/bin/faketime"), ["-f", "+3d", TrustRootBinary.url.path] + arguments)
        )
    }
}
