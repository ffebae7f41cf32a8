import Foundation
import TUF
import TestSupport
import Testing

/// `trustroot image sign` and `image verify` against Debian's docker-registry on loopback, with
/// images put there and copied by skopeo, signed keyless through the loopback services.
@Suite("trustroot image")
struct ImageCLITests {
    let folder: TemporaryDirectory
    let services: TestSigstoreServices
    let registry: TestRegistry

    init() throws {
        folder = try TemporaryDirectory()
        services = try TestSigstoreServices()
        registry = try TestRegistry()
        try folder.write("trusted_root.json", services.trustedRoot())
        try folder.write("signing_config.json", services.signingConfig())
        try folder.write("token", Array(try services.identityToken().utf8))
    }

    static let skopeo = URL(fileURLWithPath: "/usr/bin/skopeo")

    /// Copies with skopeo (plain HTTP to the loopback registry); returns its outcome.
    func skopeo(_ arguments: [String]) async throws -> Subprocess.Outcome {
        try await Subprocess.run(Self.skopeo, ["copy", "--src-tls-verify=false", "--dest-tls-verify=false"] + arguments)
    }

    func trustroot(_ arguments: [String]) async throws -> TrustRootBinary.Outcome {
        try await TrustRootBinary.run(arguments + ["--trusted-root", folder.file("trusted_root.json").path])
    }

    var keyless: [String] {
        ["--signing-config", folder.file("signing_config.json").path, "--identity-token-file", folder.file("token").path]
    }

    var identity: [String] { ["--certificate-identity", TestInstance.identity, "--certificate-oidc-issuer", services.issuerURL] }

    @Test func signsAndVerifiesAnImageThatSkopeoPushedAndCopied() async throws {
        let layout = folder.file("layout")
        try TestImageLayout.write(to: layout, tag: "v1", layer: "the layer")
        let pushed = try await skopeo(["oci:\(layout.path):v1", "docker://\(registry.host)/demo/app:v1"])
        try #require(pushed.status == 0, "\(pushed.errors)")
        let image = "\(registry.host)/demo/app:v1"

        let unsigned = try await trustroot(["image", "verify", image] + identity)
        #expect(unsigned.status == 1 && unsigned.stderr.contains("no Sigstore bundle refers to the image"), "\(unsigned.stderr)")

        let signed = try await trustroot(["image", "sign", image] + keyless)
        #expect(signed.status == 0, "\(signed.stderr)")
        // skopeo writes the manifest anew: the digest is the registry's, which sign prints.
        let prefix = "signed \(registry.host)/demo/app@"
        try #require(signed.stdout.hasPrefix(prefix), "\(signed.stdout)")
        let digest = String(signed.stdout.dropFirst(prefix.count).prefix(71))
        #expect(signed.stdout.dropFirst(prefix.count + 71).hasPrefix(" as \(TestInstance.identity); bundle referrer sha256:"))

        let verified = try await trustroot(["image", "verify", image] + identity)
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("verified: \(registry.host)/demo/app@\(digest) (1 of 1 bundles"), "\(verified.stdout)")
        let json = try await trustroot(["image", "verify", "\(registry.host)/demo/app@\(digest)", "--json"] + identity)
        #expect(json.status == 0)
        let object = try JSONParser().parse(Array(json.stdout.utf8)).objectValue
        #expect(object?["image"]?.stringValue == "\(registry.host)/demo/app@\(digest)")

        let someoneElse = try await trustroot(
            ["image", "verify", image, "--certificate-identity", "mallory@example.com", "--certificate-oidc-issuer", services.issuerURL])
        #expect(someoneElse.status == 1 && someoneElse.stdout.hasPrefix("FAILED sha256:"), "\(someoneElse.stdout)")
        let attestation = try await trustroot(["image", "verify", image, "--predicate-type", "https://slsa.dev/provenance/v1"] + identity)
        #expect(attestation.status == 1)
        let builder = "https://github.com/example/project/.github/workflows/release.yml@refs/tags/v1.0.0"
        services.workflowClaims = .init(
            repository: "https://github.com/example/project",
            ref: "refs/tags/v1.0.0",
            commit: String(repeating: "c", count: 40),
            builder: builder
        )
        try folder.write(
            "provenance.json",
            Array(
                #"{"buildDefinition":{"buildType":"https://example.com/build","externalParameters":{"workflow":{"repository":"https://github.com/example/project","ref":"refs/tags/v1.0.0"}}},"runDetails":{"builder":{"id":"https://github.com/actions/runner"}}}"#
                    .utf8
            )
        )
        let attested = try await trustroot(
            ["image", "attest", image, "--predicate", folder.file("provenance.json").path, "--type", "https://slsa.dev/provenance/v1"]
                + keyless
        )
        #expect(attested.status == 0, "\(attested.stderr)")
        let provenance = try await trustroot(["image", "verify", image, "--predicate-type", "https://slsa.dev/provenance/v1"] + identity)
        // The signature is listed with cosign's predicate type, so it is left out unread.
        #expect(
            provenance.status == 0 && provenance.stdout.contains("(1 of 1 bundles; 1 of other predicate types not checked; "),
            "\(provenance.stdout) \(provenance.stderr)"
        )
        let fromImage = try await trustroot(
            [
                "provenance", "verify", "--image", image, "--source-uri", "github.com/example/project", "--source-tag", "v1.0.0",
                "--certificate-oidc-issuer", services.issuerURL,
            ])
        #expect(
            fromImage.status == 0 && fromImage.stdout.contains("built from https://github.com/example/project at refs/tags/v1.0.0"),
            "\(fromImage.stdout) \(fromImage.stderr)"
        )
        let otherBranch = try await trustroot(
            [
                "provenance", "verify", "--image", image, "--source-uri", "github.com/example/project", "--source-branch", "main",
                "--certificate-oidc-issuer", services.issuerURL,
            ])
        #expect(otherBranch.status == 1 && otherBranch.stderr.contains("no bundle carries provenance"), "\(otherBranch.stderr)")
        let everySignature = try await trustroot(["image", "verify", image, "--require-all"] + identity)
        #expect(everySignature.status == 0 && everySignature.stdout.contains("(1 of 1 bundles; 1 of other"), "\(everySignature.stdout)")
        // Another workflow signs too: one signature of two satisfies the policy, which is
        // enough, unless every one must.
        let otherWorkflow = "https://github.com/example/project/.github/workflows/nightly.yml@refs/heads/main"
        try folder.write("other-token", Array(try services.identityToken(subject: otherWorkflow).utf8))
        let signedByOther = try await trustroot(
            [
                "image", "sign", image, "--signing-config", folder.file("signing_config.json").path, "--identity-token-file",
                folder.file("other-token").path,
            ]
        )
        #expect(signedByOther.status == 0, "\(signedByOther.stderr)")
        let oneOfTwo = try await trustroot(["image", "verify", image] + identity)
        #expect(oneOfTwo.status == 0 && oneOfTwo.stdout.contains("(1 of 2 bundles; 1 of other"), "\(oneOfTwo.stdout)")
        let everyOne = try await trustroot(["image", "verify", image, "--require-all"] + identity)
        #expect(
            everyOne.status == 1 && everyOne.stderr.contains("1 of 2 bundles verified; --require-all needs every one"),
            "\(everyOne.stderr)"
        )

        // skopeo copies the image, then the tag-schema index with the referrer it lists (--all), to
        // another repository, where the copy verifies.
        let copied = try await skopeo(["docker://\(image)", "docker://\(registry.host)/copy/app:v1"])
        try #require(copied.status == 0, "\(copied.errors)")
        let tag = "sha256-" + digest.dropFirst(7)
        let index = try await skopeo(["--all", "docker://\(registry.host)/demo/app:\(tag)", "docker://\(registry.host)/copy/app:\(tag)"])
        try #require(index.status == 0, "\(index.errors)")
        let copy = try await trustroot(["image", "verify", "\(registry.host)/copy/app:v1"] + identity)
        #expect(copy.status == 0, "\(copy.stdout) \(copy.stderr)")
    }

    /// `--platform` picks one platform's image of an index, for signing and verifying alike: the
    /// signature is found for that platform only, and a platform the index does not list, or
    /// one that is not a platform, is refused with its exit code. `image save` of the index
    /// copies every platform's image and its signatures, for verifying offline.
    @Test func signsAndVerifiesOnePlatformOfAnIndex() async throws {
        let layout = folder.file("index-layout")
        try TestImageLayout.writeIndex(to: layout, tag: "v1", platforms: ["linux/amd64", "linux/arm64"])
        let pushed = try await skopeo(["--all", "oci:\(layout.path):v1", "docker://\(registry.host)/demo/multi:v1"])
        try #require(pushed.status == 0, "\(pushed.errors)")
        let index = "\(registry.host)/demo/multi:v1"

        let signed = try await trustroot(["image", "sign", index, "--platform", "linux/arm64"] + keyless)
        try #require(signed.status == 0, "\(signed.stderr)")
        let prefix = "signed \(registry.host)/demo/multi@"
        try #require(signed.stdout.hasPrefix(prefix), "\(signed.stdout)")
        let armDigest = String(signed.stdout.dropFirst(prefix.count).prefix(71))

        let arm = try await trustroot(["image", "verify", index, "--platform", "linux/arm64"] + identity)
        #expect(arm.status == 0 && arm.stdout.contains("verified: \(registry.host)/demo/multi@\(armDigest)"), "\(arm)")
        let whole = try await trustroot(["image", "verify", index] + identity)
        #expect(whole.status == 1 && !whole.stdout.contains(armDigest), "\(whole)")
        let amd = try await trustroot(["image", "verify", index, "--platform", "linux/amd64"] + identity)
        #expect(amd.status == 1, "\(amd)")
        let unlisted = try await trustroot(["image", "verify", index, "--platform", "linux/s390x"] + identity)
        #expect(unlisted.stderr.contains("the index lists no image for linux/s390x (it lists linux/amd64, linux/arm64)"), "\(unlisted)")
        #expect(unlisted.status == 66, "\(unlisted)")
        let malformed = try await trustroot(["image", "verify", index, "--platform", "linux"] + identity)
        #expect(malformed.status == 64, "\(malformed)")

        // Saved whole, the index verifies offline for the signed platform, and only for it.
        let saved = folder.file("saved-index").path
        let save = try await TrustRootBinary.run(["image", "save", index, saved])
        #expect(save.status == 0, "\(save.stderr)")
        let offline = try await trustroot(["image", "verify", "oci-layout:\(saved):v1", "--platform", "linux/arm64"] + identity)
        #expect(offline.status == 0 && offline.stdout.contains("@\(armDigest)"), "\(offline)")
        let offlineAMD = try await trustroot(["image", "verify", "oci-layout:\(saved):v1", "--platform", "linux/amd64"] + identity)
        #expect(offlineAMD.status == 1, "\(offlineAMD)")
    }

    @Test func savesAnImageWithItsSignaturesAndVerifiesItOffline() async throws {
        let layout = folder.file("layout")
        try TestImageLayout.write(to: layout, tag: "v1", layer: "offline")
        try await #require(try skopeo(["oci:\(layout.path):v1", "docker://\(registry.host)/demo/offline:v1"]).status == 0)
        let image = "\(registry.host)/demo/offline:v1"
        let signed = try await trustroot(["image", "sign", image] + keyless)
        try #require(signed.status == 0, "\(signed.stderr)")
        let digest = String(signed.stdout.dropFirst("signed \(registry.host)/demo/offline@".count).prefix(71))

        let saved = folder.file("saved").path
        let save = try await TrustRootBinary.run(["image", "save", image, saved])
        #expect(save.status == 0 && save.stdout.contains("oci-layout:\(saved)@\(digest)"), "\(save.stdout) \(save.stderr)")
        let offline = try await trustroot(["image", "verify", "oci-layout:\(saved)@\(digest)"] + identity)
        #expect(offline.status == 0, "\(offline.stdout) \(offline.stderr)")
        let byTag = try await trustroot(["image", "verify", "oci-layout:\(saved):v1"] + identity)
        #expect(byTag.status == 0, "\(byTag.stderr)")

        // skopeo copies the image and its referrers index into a layout folder of its own.
        let copied = folder.file("skopeo-layout").path
        let tag = "sha256-" + digest.dropFirst(7)
        try await #require(try skopeo(["docker://\(image)", "oci:\(copied):v1"]).status == 0)
        let index = try await skopeo(["--all", "docker://\(registry.host)/demo/offline:\(tag)", "oci:\(copied):\(tag)"])
        try #require(index.status == 0, "\(index.errors)")
        let fromSkopeo = try await trustroot(["image", "verify", "oci-layout:\(copied)@\(digest)"] + identity)
        #expect(fromSkopeo.status == 0, "\(fromSkopeo.stdout) \(fromSkopeo.stderr)")

        // A bundle blob changed on disk no longer matches its digest.
        let blobs = try FileManager.default.contentsOfDirectory(atPath: saved + "/blobs/sha256")
        for name in blobs {
            let path = saved + "/blobs/sha256/" + name
            guard let text = try? String(contentsOfFile: path, encoding: .utf8), text.contains("verificationMaterial") else { continue }
            try Data((text + " ").utf8).write(to: URL(fileURLWithPath: path))
        }
        let tampered = try await trustroot(["image", "verify", "oci-layout:\(saved)@\(digest)"] + identity)
        #expect(tampered.status == 1 && tampered.stdout.contains("digest"), "\(tampered.stdout) \(tampered.stderr)")
    }

    @Test func signsWithAManagedKeyAndVerifiesWithItsPublicKey() async throws {
        let layout = folder.file("layout")
        try TestImageLayout.write(to: layout, tag: "v1", layer: "managed")
        try await #require(try skopeo(["oci:\(layout.path):v1", "docker://\(registry.host)/demo/managed:v1"]).status == 0)
        let image = "\(registry.host)/demo/managed:v1"
        let environment = ["TRUSTROOT_KEY_PASSPHRASE": "correct horse"]
        let generated = try await TrustRootBinary.run(
            ["key", "generate", "--type", "ecdsa-p256", "--kdf", "pbkdf2", "--json", "--out", folder.file("signing.key").path],
            environment: environment
        )
        try #require(generated.status == 0, "\(generated.stderr)")
        let key = try #require(try JSONParser().parse(Array(generated.stdout.utf8)).objectValue)
        let pem = try #require(key["key"]?.objectValue?["keyval"]?.objectValue?["public"]?.stringValue)
        try folder.write("signing.pub", Array(pem.utf8))
        let signed = try await TrustRootBinary.run(
            [
                "image", "sign", image, "--key", folder.file("signing.key").path, "--signing-config",
                folder.file("signing_config.json").path, "--trusted-root", folder.file("trusted_root.json").path,
            ],
            environment: environment
        )
        #expect(signed.status == 0 && signed.stdout.contains("as the managed key"), "\(signed.stdout) \(signed.stderr)")
        let verified = try await trustroot(["image", "verify", image, "--key", folder.file("signing.pub").path])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        let keyless = try await trustroot(["image", "verify", image] + identity)
        #expect(keyless.status == 1, "\(keyless.stdout)")
    }

    /// A P-256 key on a PKCS#11 token (SoftHSM2 standing in) signs the image; its public key
    /// verifies it, and a key file's public key does not.
    @Test func signsWithATokenKeyAndVerifiesWithItsPublicKey() async throws {
        guard case .success(let token) = SoftHSM.shared else {
            Issue.record("SoftHSM2 is needed: \(SoftHSM.shared)")
            return
        }
        let layout = folder.file("layout")
        try TestImageLayout.write(to: layout, tag: "v1", layer: "token")
        try await #require(try skopeo(["oci:\(layout.path):v1", "docker://\(registry.host)/demo/token:v1"]).status == 0)
        let image = "\(registry.host)/demo/token:v1"
        let imported = try await TrustRootBinary.run(
            [
                "key", "import-pkcs11", "--module", SoftHSM.module, "--token-label", token.tokenLabel, "--key-id", "01", "--out",
                folder.file("token-key.json").path,
            ],
            environment: token.environment
        )
        try #require(imported.status == 0, "\(imported.stderr)")
        let record = try #require(try JSONParser().parse(try folder.read("token-key.json")).objectValue)
        let pem = try #require(record["key"]?.objectValue?["keyval"]?.objectValue?["public"]?.stringValue)
        try folder.write("token.pub", Array(pem.utf8))

        let signed = try await TrustRootBinary.run(
            [
                "image", "sign", image, "--pkcs11", folder.file("token-key.json").path, "--signing-config",
                folder.file("signing_config.json").path, "--trusted-root", folder.file("trusted_root.json").path,
            ],
            environment: token.environment
        )
        #expect(signed.status == 0 && signed.stdout.contains("as the managed key"), "\(signed.stdout) \(signed.stderr)")
        let verified = try await trustroot(["image", "verify", image, "--key", folder.file("token.pub").path])
        #expect(verified.status == 0 && verified.stdout.contains("(1 of 1 bundles"), "\(verified.stdout) \(verified.stderr)")

        let other = try InMemorySigner(generating: .ecdsaP256)
        let otherPEM = try #require(other.publicKey.json.objectValue?["keyval"]?.objectValue?["public"]?.stringValue)
        try folder.write("other.pub", Array(otherPEM.utf8))
        let refused = try await trustroot(["image", "verify", image, "--key", folder.file("other.pub").path])
        #expect(refused.status == 1 && refused.stdout.hasPrefix("FAILED sha256:"), "\(refused.stdout) \(refused.stderr)")
    }

    @Test func refusesBadReferencesMissingImagesAndSilentRegistriesWithTheirExitCodes() async throws {
        let bad = try await trustroot(["image", "verify", "Not A Reference"] + identity)
        #expect(bad.status == 64 && bad.stderr.contains("not an image reference"), "\(bad.stderr)")
        let missing = try await trustroot(["image", "verify", "\(registry.host)/demo/none:v1"] + identity)
        #expect(missing.status == 66, "\(missing.stderr)")
        let closed = try await trustroot(["image", "verify", "127.0.0.1:1/demo/app:v1"] + identity)
        #expect(closed.status == 69, "\(closed.stderr)")
        // One line, naming the address once and then why.
        let address = "http://127.0.0.1:1/v2/demo/app/manifests/v1"
        #expect(closed.stderr == "trustroot: \(address): cannot connect to 127.0.0.1:1: Connection refused\n", "\(closed.stderr)")
    }
}
