import Crypto
import Foundation
import TUF
import TestSupport
import Testing

/// `trustroot provenance verify` on SLSA provenance bundles made by the test instance, signed by
/// certificates with GitHub-style Fulcio extensions.
@Suite("trustroot provenance")
struct ProvenanceCLITests {
    static let repository = "https://github.com/example/project"
    static let builder =
        "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.0.0"

    @Test func verifiesTheSourceRefAndBuilderAndNamesEachMismatch() async throws {
        let instance = try TestInstance()
        let folder = try TemporaryDirectory()
        try folder.write("trusted_root.json", instance.trustedRoot())
        let artifact = Array("release tarball\n".utf8)
        try folder.write("artifact.tgz", artifact)
        let key = P256.Signing.PrivateKey()
        var options = TestInstance.Options(time: instance.epoch)
        options.dsse = true
        options.signingKey = key
        options.certificate = try instance.issueForWorkflow(
            to: key,
            repository: Self.repository,
            ref: "refs/tags/v1.4.2",
            commit: String(repeating: "a", count: 40),
            builder: Self.builder,
            at: instance.epoch
        )
        options.identity = Self.builder
        let (bundle, _) = try instance.bundle(for: artifact, options)
        try folder.write("provenance.sigstore.json", JSONWriter.prettyPrinted(bundle))
        func verify(_ extra: [String], artifact: String? = nil) async throws -> TrustRootBinary.Outcome {
            try await TrustRootBinary.run(
                [
                    "provenance", "verify", "--bundle", folder.file("provenance.sigstore.json").path, "--trusted-root",
                    folder.file("trusted_root.json").path, "--certificate-oidc-issuer", TestInstance.issuerURL,
                ] + extra + [artifact ?? folder.file("artifact.tgz").path]
            )
        }
        let ok = try await verify([
            "--source-uri", "github.com/example/project", "--source-versioned-tag", "v1", "--builder-id", Self.builder,
        ])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("built from \(Self.repository) at refs/tags/v1.4.2"), "\(ok.stdout)")
        let digest = "sha256:" + Hex.encode(SHA256.hash(data: artifact))
        #expect(try await verify(["--source-uri", "github.com/example/project"], artifact: digest).status == 0)

        let wrongRepository = try await verify(["--source-uri", "github.com/example/other"])
        #expect(
            wrongRepository.status == 1 && wrongRepository.stderr.contains("the source repository is \(Self.repository)"),
            "\(wrongRepository.stderr)"
        )
        let wrongBranch = try await verify(["--source-uri", "github.com/example/project", "--source-branch", "main"])
        #expect(wrongBranch.status == 1 && wrongBranch.stderr.contains("branch main"), "\(wrongBranch.stderr)")
        let wrongBuilder = try await verify([
            "--source-uri", "github.com/example/project", "--builder-id", "https://github.com/evil/builder",
        ])
        #expect(
            wrongBuilder.status == 1 && wrongBuilder.stderr.contains("the builder (the certificate's build signer) is"),
            "\(wrongBuilder.stderr)"
        )
        try folder.write("other.tgz", Array("another file".utf8))
        let wrongSubject = try await verify(["--source-uri", "github.com/example/project"], artifact: folder.file("other.tgz").path)
        #expect(wrongSubject.status == 1, "\(wrongSubject.stderr)")
        let badTag = try await verify(["--source-uri", "github.com/example/project", "--source-versioned-tag", "1.x"])
        #expect(badTag.status == 64)
    }
}
