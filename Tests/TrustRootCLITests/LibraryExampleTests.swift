import Foundation
import TUF
import TestSupport
import Testing

/// The README's "Use it as a library" example and the Sigstore catalog's article are
/// `Examples/VerifyBundle/main.swift`, word for word; the package builds it, and here it verifies a bundle and refuses another signer's.
@Suite("README library example")
struct LibraryExampleTests {
    static let example = PlaybookTests.source.appendingPathComponent("Examples/VerifyBundle/main.swift")

    @Test func theREADMEShowsTheCompiledExample() throws {
        let readme = try String(contentsOf: PlaybookTests.source.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = PlaybookTests.shellBlocks(readme, fence: "```swift")
        let source = try String(contentsOf: Self.example, encoding: .utf8)
        #expect(blocks.contains(String(source.dropLast())), "README.md must show Examples/VerifyBundle/main.swift as it is")
        let article = try String(
            contentsOf: PlaybookTests.source.appendingPathComponent("Sources/Sigstore/Sigstore.docc/VerifyingABundle.md"),
            encoding: .utf8
        )
        #expect(
            PlaybookTests.shellBlocks(article, fence: "```swift").contains(String(source.dropLast())),
            "the DocC article must show Examples/VerifyBundle/main.swift as it is"
        )
    }

    @Test func theExampleVerifiesAndRefuses() async throws {
        let folder = try TemporaryDirectory()
        let instance = try TestInstance()
        let artifact = Array("the release\n".utf8)
        let (bundle, _) = try instance.bundle(for: artifact, TestInstance.Options(time: Date()))
        try folder.write("trusted_root.json", instance.trustedRoot())
        try folder.write("artifact.sigstore.json", JSONWriter.prettyPrinted(bundle))
        try folder.write("artifact.txt", artifact)
        let program = TrustRootBinary.buildFolder.appendingPathComponent("verify-bundle-example")
        func run(_ identity: String) async throws -> Subprocess.Outcome {
            try await Subprocess.run(
                program,
                ["trusted_root.json", "artifact.sigstore.json", "artifact.txt"].map { folder.file($0).path }
                    + [identity, TestInstance.issuerURL]
            )
        }
        let verified = try await run(TestInstance.identity)
        #expect(verified.status == 0 && verified.output == "verified\n", "\(verified.output) \(verified.errors)")
        let refused = try await run("https://github.com/example/project/.github/workflows/other.yml@refs/heads/main")
        #expect(refused.status == 1 && refused.output.hasPrefix("refused: "), "\(refused.output)")
        try folder.write("artifact.txt", Array("another file\n".utf8))
        let otherFile = try await run(TestInstance.identity)
        #expect(otherFile.status == 1, "\(otherFile.output)")
    }
}
