import Crypto
import Foundation
import TUF
import TestSupport
import Testing

/// Runs the README's image walkthrough: every `sh walkthrough` block, in order, in one shell,
/// with the built `trustroot` first on the PATH. The project's TUF repository comes from a
/// ceremony and names the loopback Sigstore services; the registry is Debian's docker-registry.
/// A command the tool no longer accepts, or an outcome the README no longer gets, fails here.
@Suite("README image walkthrough")
struct ImageWalkthroughTests {
    static let fence = "```sh walkthrough"
    static let workflow = "https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1.0"

    @Test func everyCommandOfTheWalkthroughRuns() async throws {
        let markdown = try String(contentsOf: PlaybookTests.source.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = PlaybookTests.shellBlocks(markdown, fence: Self.fence)
        #expect(blocks.count == 4)

        let services = try TestSigstoreServices()
        // The release workflow's certificate: GitHub Actions' issuer and the claims Fulcio copies
        // from its token, so that the provenance can be checked against them.
        services.workflowClaims = .init(
            repository: "https://github.com/example/app",
            ref: "refs/tags/v1.0",
            commit: String(repeating: "a", count: 40),
            builder: Self.workflow,
            issuer: "https://token.actions.githubusercontent.com"
        )
        let ceremony = try await TrustChainEndToEndTests.publishRepository(naming: services)
        let repository = try LoopbackServer(serving: ceremony.folder.file("repo"))
        let registry = try TestRegistry()

        let folder = try TemporaryDirectory()
        let firstRoot = try ceremony.folder.read("repo/metadata/1.root.json")
        try folder.write("1.root.json", firstRoot)
        let layoutDigest = try TestImageLayout.write(to: folder.file("app-layout"), tag: "1.0", layer: "app 1.0")
        try folder.write("provenance.json", Self.provenance)
        try FileManager.default.createDirectory(at: folder.file("docker"), withIntermediateDirectories: true)

        let outcome = try await PlaybookTests.run(
            blocks,
            in: folder,
            environment: [
                "TUF_URL": repository.baseURL.absoluteString,
                "ROOT_SHA256": Hex.encode(SHA256.hash(data: firstRoot)),
                "REGISTRY": registry.host,
                "SIGSTORE_ID_TOKEN": try services.identityToken(
                    subject: Self.workflow,
                    issuer: "https://token.actions.githubusercontent.com"
                ),
                "TRUSTROOT_CACHE": folder.file("client").path,
                "DOCKER_CONFIG": folder.file("docker").path,
            ]
        )
        try #require(outcome.status == 0, "the walkthrough stopped:\n\(outcome.errors.suffix(3000))")
        let said = outcome.output

        // Step 2: skopeo writes the manifest anew, so the digest signed is the registry's, which
        // `image sign` prints; it is not the layout's.
        let prefix = "signed \(registry.host)/example/app@sha256:"
        let signedAt = try #require(said.range(of: prefix), "\(said)")
        let digest = "sha256:" + said[signedAt.upperBound...].prefix(64)
        #expect(digest != layoutDigest)
        let image = "\(registry.host)/example/app@\(digest)"
        // Signing and attesting each push one referrer.
        let signedLine = "signed \(image) as \(Self.workflow); bundle referrer sha256:"
        #expect(said.components(separatedBy: signedLine).count == 3, "\(said)")
        // Step 3: the signature (the attestation, of another type, is not read), the provenance from the
        // certificate's claims, and the refusal of another workflow.
        #expect(said.contains("verified: \(image) (1 of 1 bundles; 1 of other predicate types not checked; "), "\(said)")
        #expect(said.contains("built from https://github.com/example/app at refs/tags/v1.0"), "\(said)")
        #expect(said.contains("refused, exit 1"), "\(said)")
        // Step 4: the saved copy verifies from the folder, with the client's trusted root.
        #expect(try folder.read("trusted_root.json") == services.trustedRoot())
        #expect(
            said.contains(
                "verified: oci-layout:app-copy@\(digest) (1 of 1 bundles; 1 of other predicate types not checked; trusted root: trusted_root.json)"
            ),
            "\(said)"
        )
        #expect(FileManager.default.fileExists(atPath: folder.file("app-copy/index.json").path))
    }

    /// An SLSA v1 predicate as the release workflow's builder writes it.
    static let provenance = Array(
        #"""
        {"buildDefinition":{"buildType":"https://actions.github.io/buildtypes/workflow/v1","externalParameters":{"workflow":{"repository":"https://github.com/example/app","ref":"refs/tags/v1.0","path":".github/workflows/release.yml"}}},"runDetails":{"builder":{"id":"https://github.com/actions/runner"}}}
        """#.utf8
    )
}
