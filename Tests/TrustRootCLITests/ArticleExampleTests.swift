import Crypto
import Foundation
import TUF
import TestSupport
import Testing
import X509

/// The DocC articles' programs, `Examples/*/main.swift`: each article shows its program word for
/// word, and each program is run here against real files and loopback services, once doing
/// its job and once refusing what it must refuse.
@Suite("Library articles' examples")
struct ArticleExampleTests {
    static let examples = PlaybookTests.source.appendingPathComponent("Examples")

    /// Runs the example executable `name` with `arguments` and `environment`.
    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Subprocess.Outcome {
        try await Subprocess.run(TrustRootBinary.buildFolder.appendingPathComponent(name), arguments, environment: environment)
    }

    @Test func everyArticleShowsACompiledExampleAndEveryExampleIsShown() throws {
        let files = FileManager.default
        let programs = try files.contentsOfDirectory(atPath: Self.examples.path).sorted().map { folder in
            (
                folder,
                String(try String(contentsOf: Self.examples.appendingPathComponent("\(folder)/main.swift"), encoding: .utf8).dropLast())
            )
        }
        var shown = Set<String>()
        var articles = 0
        for module in try files.contentsOfDirectory(atPath: PlaybookTests.source.appendingPathComponent("Sources").path).sorted() {
            let catalog = PlaybookTests.source.appendingPathComponent("Sources/\(module)/\(module).docc")
            guard let pages = try? files.contentsOfDirectory(atPath: catalog.path) else { continue }
            for page in pages.sorted() where page.hasSuffix(".md") {
                let text = try String(contentsOf: catalog.appendingPathComponent(page), encoding: .utf8)
                for block in PlaybookTests.shellBlocks(text, fence: "```swift") {
                    let program = programs.first { $0.1 == block }
                    #expect(program != nil, "\(module).docc/\(page): a swift block that is no program in Examples/")
                    if let program { shown.insert(program.0) }
                }
                if text.contains("```swift") { articles += 1 }
            }
        }
        #expect(articles >= programs.count)
        #expect(shown == Set(programs.map(\.0)), "programs no article shows: \(Set(programs.map(\.0)).subtracting(shown).sorted())")
    }

    /// Runs the ceremony example with these holders' keys into a fresh workspace `workspace`.
    static func runCeremony(_ ceremony: CeremonyEndToEndTests.Ceremony, workspace: String, holders: [String]) async throws
        -> Subprocess.Outcome
    {
        let folder = ceremony.folder
        return try await run(
            "run-ceremony-example",
            [folder.file("ceremony.json").path, folder.file(workspace).path, ceremony.repository, folder.file("keys/online.key").path]
                + holders.map { "\($0)=\(folder.file("keys/\($0).key").path)" },
            environment: ["CEREMONY_PASSPHRASE": CeremonyEndToEndTests.passphrase]
        )
    }

    @Test func aCeremonyRunFromSwiftPublishesARepositoryThatAFollowerChecks() async throws {
        let services = try TestSigstoreServices()
        let ceremony = try TrustChainEndToEndTests.prepareCeremony(naming: services)
        let folder = ceremony.folder

        // One signature of two: nothing is published.
        let short = try await Self.runCeremony(ceremony, workspace: "short", holders: ["alice"])
        #expect(short.status == 1 && short.output.hasPrefix("refused: "), "\(short.output) \(short.errors)")
        #expect(!FileManager.default.fileExists(atPath: ceremony.repository + "/metadata/timestamp.json"))

        let published = try await Self.runCeremony(ceremony, workspace: "ws", holders: ["alice", "bob"])
        #expect(published.status == 0 && published.output == "published snapshot version 1 to \(ceremony.repository)\n", "\(published)")

        // The follower trusts the first root, refreshes over loopback and checks the target.
        let server = try LoopbackServer(serving: URL(fileURLWithPath: ceremony.repository))
        func follow(cache: String, output: String) async throws -> Subprocess.Outcome {
            try await Self.run(
                "follow-repository-example",
                [
                    folder.file("repo/metadata/1.root.json").path, server.baseURL.appendingPathComponent("metadata").absoluteString,
                    server.baseURL.appendingPathComponent("targets").absoluteString, folder.file(cache).path, "trusted_root.json",
                    folder.file(output).path,
                ]
            )
        }
        let followed = try await follow(cache: "cache", output: "fetched.json")
        let length = services.trustedRoot().count
        #expect(followed.status == 0 && followed.output == "trusted_root.json: \(length) bytes, under root version 1\n", "\(followed)")
        #expect(try folder.read("fetched.json") == services.trustedRoot())

        // A served target that is not what the signed metadata lists is refused and not written.
        let targets = ceremony.repository + "/targets"
        for name in try FileManager.default.contentsOfDirectory(atPath: targets) where name.hasSuffix(".trusted_root.json") {
            try Data("{}".utf8).write(to: URL(fileURLWithPath: "\(targets)/\(name)"))
        }
        let tampered = try await follow(cache: "other-cache", output: "tampered.json")
        #expect(tampered.status == 1 && tampered.output.hasPrefix("refused: "), "\(tampered)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("tampered.json").path))
    }

    @Test func theCurrentTrustedRootSignsABundleThatVerifies() async throws {
        let services = try TestSigstoreServices()
        let ceremony = try await TrustChainEndToEndTests.publishRepository(naming: services)
        let folder = ceremony.folder
        let server = try LoopbackServer(serving: URL(fileURLWithPath: ceremony.repository))
        let client = folder.file("client").path
        func currentTrustedRoot(_ client: String) async throws -> Subprocess.Outcome {
            try await Self.run(
                "current-trusted-root-example",
                [
                    client, folder.file("repo/metadata/1.root.json").path, server.baseURL.appendingPathComponent("metadata").absoluteString,
                    server.baseURL.appendingPathComponent("targets").absoluteString,
                ]
            )
        }
        let current = try await currentTrustedRoot(client)
        #expect(current.status == 0, "\(current)")
        let trustedRoot = client + "/targets/trusted_root.json"
        #expect(current.output.hasPrefix("trusted root: \(trustedRoot)\ncertificate authorities: https://fulcio.test.example\n"))
        #expect(current.output.contains("\ntransparency logs: http://127.0.0.1:"), "\(current.output)")
        #expect(current.output.hasSuffix("\ntimestamp authorities: 1\n"), "\(current.output)")
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: trustedRoot))) == services.trustedRoot())

        // Signing with the root and signing config the client holds, then verifying the bundle.
        try folder.write("artifact.txt", Array("the release\n".utf8))
        try folder.write("token", Array(try services.identityToken().utf8))
        func sign(token: String) async throws -> Subprocess.Outcome {
            try await Self.run(
                "sign-blob-example",
                [trustedRoot, client + "/targets/signing_config.v0.2.json", folder.file(token).path]
                    + [folder.file("artifact.txt").path, folder.file("artifact.sigstore.json").path]
            )
        }
        let signed = try await sign(token: "token")
        #expect(
            signed.status == 0 && signed.output == "signed as \(TestInstance.identity): \(folder.file("artifact.sigstore.json").path)\n"
        )
        let verified = try await Self.run(
            "verify-bundle-example",
            [trustedRoot, folder.file("artifact.sigstore.json").path, folder.file("artifact.txt").path, TestInstance.identity]
                + [services.issuerURL]
        )
        #expect(verified.status == 0 && verified.output == "verified\n", "\(verified)")

        // A token the OIDC stand-in did not sign gets no certificate, and no bundle is written.
        try FileManager.default.removeItem(at: folder.file("artifact.sigstore.json"))
        var parts = try services.identityToken().split(separator: ".").map(String.init)
        parts[2] = String(parts[2].reversed())
        try folder.write("forged", Array(parts.joined(separator: ".").utf8))
        let forged = try await sign(token: "forged")
        #expect(forged.status == 1 && forged.output.hasPrefix("refused: "), "\(forged)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("artifact.sigstore.json").path))

        // A repository serving another trusted root than its signed targets list: a new client
        // gets no trusted material.
        let targets = ceremony.repository + "/targets"
        for name in try FileManager.default.contentsOfDirectory(atPath: targets) where name.hasSuffix(".trusted_root.json") {
            try Data("{}".utf8).write(to: URL(fileURLWithPath: "\(targets)/\(name)"))
        }
        let tampered = try await currentTrustedRoot(folder.file("other-client").path)
        #expect(tampered.status == 1 && tampered.output.hasPrefix("refused: "), "\(tampered)")
    }

    @Test func theMonitorFindsTheWatchedIdentityOnceAndARollback() async throws {
        let instance = try TestInstance()
        var log = TestTiledLog(origin: "log.test.example/v2")
        let folder = try TemporaryDirectory()
        try FileManager.default.createDirectory(at: folder.file("log"), withIntermediateDirectories: true)
        let server = try LoopbackServer(serving: folder.file("log"))
        let logURL = server.baseURL.absoluteString
        try folder.write("trusted_root.json", try log.adding(to: instance.trustedRoot(), baseURL: logURL))
        let key = P256.Signing.PrivateKey()
        for index in 0..<40 {
            let identity = index == 7 ? TestInstance.identity : "https://example.com/other/\(index)"
            let certificate = try instance.issue(to: .init(key.publicKey), identity: identity, at: instance.epoch)
            log.entries.append(
                TestTiledLog.hashedRekordEntry(certificate: TestInstance.der(certificate), digest: Array(SHA256.hash(data: [UInt8(index)])))
            )
        }
        try log.write(to: folder.file("log"))
        func monitor() async throws -> Subprocess.Outcome {
            try await Self.run(
                "monitor-log-example",
                [folder.file("trusted_root.json").path, logURL, folder.file("state").path, TestInstance.identity, TestInstance.issuerURL]
            )
        }
        let first = try await monitor()
        #expect(first.status == 3, "\(first)")
        #expect(first.output.hasPrefix("found: \(TestInstance.identity) at index 7, serial "), "\(first.output)")
        #expect(first.output.hasSuffix("\nchecked entries 0 to 40 of 40\n"), "\(first.output)")
        let again = try await monitor()
        #expect(again.status == 0 && again.output == "checked entries 40 to 40 of 40\n", "\(again)")

        // The log served at an older size than the state proved: reported, and the state kept.
        try log.write(to: folder.file("log"), size: 20)
        let rolledBack = try await monitor()
        #expect(rolledBack.status == 3 && rolledBack.output.hasPrefix("inconsistency: "), "\(rolledBack.output)")
        #expect(rolledBack.output.contains("rolled back"), "\(rolledBack.output)")

        // A checkpoint signed by a key the trusted root does not list is refused outright.
        try folder.write("log/checkpoint", TestTiledLog(origin: log.origin, entries: log.entries).checkpoint())
        let impostor = try await monitor()
        #expect(impostor.status == 1 && impostor.output.hasPrefix("refused: "), "\(impostor.output)")
    }

    @Test func theImageExampleVerifiesASignedImageAndRefusesAnotherSigner() async throws {
        let services = try TestSigstoreServices()
        let registry = try TestRegistry()
        let folder = try TemporaryDirectory()
        try folder.write("trusted_root.json", services.trustedRoot())
        try folder.write("signing_config.json", services.signingConfig())
        try folder.write("token", Array(try services.identityToken().utf8))
        try TestImageLayout.write(to: folder.file("layout"), tag: "v1", layer: "the layer")
        let image = "\(registry.host)/demo/app:v1"
        let pushed = try await Subprocess.run(
            ImageCLITests.skopeo,
            ["copy", "--dest-tls-verify=false", "oci:\(folder.file("layout").path):v1", "docker://\(image)"]
        )
        try #require(pushed.status == 0, "\(pushed.errors)")
        func verify(_ identity: String) async throws -> Subprocess.Outcome {
            try await Self.run("verify-image-example", [image, folder.file("trusted_root.json").path, identity, services.issuerURL])
        }
        let unsigned = try await verify(TestInstance.identity)
        #expect(unsigned.status == 1 && unsigned.output.contains("no Sigstore bundle refers to the image"), "\(unsigned)")

        let signed = try await TrustRootBinary.run(
            [
                "image", "sign", image, "--trusted-root", folder.file("trusted_root.json").path, "--signing-config",
                folder.file("signing_config.json").path, "--identity-token-file", folder.file("token").path,
            ]
        )
        try #require(signed.status == 0, "\(signed.stderr)")
        let digest = String(signed.stdout.dropFirst("signed \(registry.host)/demo/app@".count).prefix(71))
        let verified = try await verify(TestInstance.identity)
        #expect(verified.status == 0 && verified.output == "verified: \(registry.host)/demo/app@\(digest)\n", "\(verified)")
        let someoneElse = try await verify("https://github.com/example/project/.github/workflows/other.yml@refs/heads/main")
        #expect(someoneElse.status == 1 && someoneElse.output.hasPrefix("refused: \(registry.host)/demo/app@\(digest): "), "\(someoneElse)")
    }
}
