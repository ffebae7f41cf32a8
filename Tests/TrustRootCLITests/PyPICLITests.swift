import Foundation
import TUF
import TestSupport
import Testing

/// `trustroot provenance pypi` against PEP 740 attestations that PyPI's own `pypi-attestations`
/// made, signing through the loopback services with sigstore-python, for a certificate as
/// Fulcio issues one to a GitHub Actions workflow; and pypi-attestations' verdict beside ours.
@Suite("trustroot provenance pypi")
struct PyPICLITests {
    let folder: TemporaryDirectory
    let services: TestSigstoreServices

    static let wheel = "example_project-1.0.0-py3-none-any.whl"
    static let workflowURI = "https://github.com/example/project/.github/workflows/release.yml@refs/tags/v1.0.0"

    init() async throws {
        folder = try TemporaryDirectory()
        services = try TestSigstoreServices()
        services.workflowClaims = .init(
            repository: "https://github.com/example/project",
            ref: "refs/tags/v1.0.0",
            commit: String(repeating: "c", count: 40),
            builder: Self.workflowURI,
            buildConfiguration: Self.workflowURI,
            issuer: "https://token.actions.githubusercontent.com"
        )
        try folder.write("trusted_root.json", services.trustedRoot())
        try folder.write("token", Array(try services.identityToken().utf8))
        let trustConfig: JSONValue = [
            "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
            "trustedRoot": try JSONParser().parse(services.trustedRoot()),
            "signingConfig": try JSONParser().parse(services.signingConfig()),
        ]
        try folder.write("trust_config.json", JSONWriter.prettyPrinted(trustConfig))
        try folder.write(Self.wheel, Array("a wheel's bytes".utf8))
        _ = try await Python.run(
            "pypi_sign.py",
            [
                folder.file("trust_config.json").path, folder.file("token").path, folder.file(Self.wheel).path,
                folder.file("attestation.json").path,
            ]
        )
    }

    func verify(_ publisher: [String], distribution: String = wheel, attestation: String = "attestation.json") async throws
        -> TrustRootBinary.Outcome
    {
        try await TrustRootBinary.run(
            ["provenance", "pypi", "--attestation", folder.file(attestation).path, "--trusted-root", folder.file("trusted_root.json").path]
                + publisher + [folder.file(distribution).path]
        )
    }

    func pythonVerdict(workflow: String, repository: String = "example/project", distribution: String = wheel) async throws -> String {
        try await Python.run(
            "pypi_verify.py",
            [
                folder.file("trusted_root.json").path, folder.file("attestation.json").path, folder.file(distribution).path, repository,
                workflow,
            ]
        )
    }

    @Test func verifiesWhatPyPIAttestationsSignedForItsTrustedPublisher() async throws {
        let attestation = try #require(try JSONParser().parse(try folder.read("attestation.json")).objectValue)
        #expect(attestation["version"]?.integerValue == 1)

        let exact = try await verify(["--github-repository", "example/project", "--workflow", "release.yml"])
        #expect(exact.status == 0, "\(exact.stderr)")
        #expect(
            exact.stdout
                == "verified: \(Self.wheel) attested (https://docs.pypi.org/attestations/publish/v1) by GitHub example/project workflow release.yml through \(Self.workflowURI)\n"
        )
        let anyWorkflow = try await verify(["--github-repository", "example/project", "--print-statement"])
        #expect(anyWorkflow.status == 0, "\(anyWorkflow.stderr)")
        let statement = try JSONParser().parse(Array(anyWorkflow.stdout.split(separator: "\n")[0].utf8)).objectValue
        #expect(statement?["subject"]?.arrayValue?.first?.objectValue?["name"]?.stringValue == Self.wheel)
        #expect(try await pythonVerdict(workflow: "release.yml").hasPrefix("OK https://docs.pypi.org/attestations/publish/v1"))

        // A provenance object as PyPI's integrity API serves it, wrapping the attestation.
        let provenance: JSONValue = [
            "version": 1,
            "attestation_bundles": [
                [
                    "publisher": ["kind": "GitHub", "repository": "example/project", "workflow": "release.yml", "environment": nil],
                    "attestations": [.object(attestation)],
                ]
            ],
        ]
        try folder.write("provenance.json", JSONWriter.prettyPrinted(provenance))
        let fromProvenance = try await TrustRootBinary.run([
            "provenance", "pypi", "--provenance", folder.file("provenance.json").path, "--trusted-root",
            folder.file("trusted_root.json").path, "--github-repository", "example/project", folder.file(Self.wheel).path,
        ])
        #expect(fromProvenance.status == 0, "\(fromProvenance.stderr)")
    }

    /// Another repository, another workflow, another publisher kind, another file or a file
    /// renamed: each refused with its reason, and pypi-attestations refuses the same.
    @Test func refusesEachWayTheAttestationIsNotForThisFileAndPublisher() async throws {
        let otherRepository = try await verify(["--github-repository", "example/other", "--workflow", "release.yml"])
        #expect(otherRepository.status == 1)
        #expect(
            otherRepository.stderr.contains(
                "the source repository is https://github.com/example/project, not https://github.com/example/other"
            )
        )
        #expect(try await pythonVerdict(workflow: "release.yml", repository: "example/other").hasPrefix("refused"))

        let otherWorkflow = try await verify(["--github-repository", "example/project", "--workflow", "nightly.yml"])
        #expect(otherWorkflow.status == 1)
        #expect(otherWorkflow.stderr.contains("the build configuration is \(Self.workflowURI), not"), "\(otherWorkflow.stderr)")
        #expect(try await pythonVerdict(workflow: "nightly.yml").hasPrefix("refused"))

        let gitLab = try await verify(["--gitlab-repository", "example/project"])
        #expect(
            gitLab.status == 1 && gitLab.stderr.contains("issuer is https://token.actions.githubusercontent.com, not https://gitlab.com"),
            "\(gitLab.stderr)"
        )
        let google = try await verify(["--google-service-account", "publisher@example.iam.gserviceaccount.com"])
        #expect(google.status == 1 && google.stderr.contains("not https://accounts.google.com"), "\(google.stderr)")

        try folder.write("example_project-1.0.1-py3-none-any.whl", Array("a wheel's bytes".utf8))
        let renamed = try await verify(["--github-repository", "example/project"], distribution: "example_project-1.0.1-py3-none-any.whl")
        #expect(renamed.status == 1)
        #expect(
            renamed.stderr.contains("the subject is named \(Self.wheel), not example_project-1.0.1-py3-none-any.whl"),
            "\(renamed.stderr)"
        )
        #expect(
            try await pythonVerdict(workflow: "release.yml", distribution: "example_project-1.0.1-py3-none-any.whl").hasPrefix("refused")
        )

        try FileManager.default.createDirectory(at: folder.file("other"), withIntermediateDirectories: false)
        try folder.write("other/\(Self.wheel)", Array("another wheel's bytes".utf8))
        let otherFile = try await verify(["--github-repository", "example/project"], distribution: "other/\(Self.wheel)")
        #expect(
            otherFile.status == 1 && otherFile.stderr.contains("the artifact is not a subject of the in-toto statement"),
            "\(otherFile.stderr)"
        )
        #expect(try await pythonVerdict(workflow: "release.yml", distribution: "other/\(Self.wheel)").hasPrefix("refused"))
    }

    /// Bad input: a malformed or missing attestation, no publisher, a name that is no
    /// distribution's, each one line with its exit code.
    @Test func badInputIsOneLineWithItsExitCode() async throws {
        try folder.write("broken.json", Array(#"{"version": 1, "envelope": {}}"#.utf8))
        let broken = try await verify(["--github-repository", "example/project"], attestation: "broken.json")
        #expect(broken.status == 65 && broken.stderr.split(separator: "\n").count == 1, "\(broken.stderr)")
        let missing = try await verify(["--github-repository", "example/project"], attestation: "absent.json")
        #expect(missing.status == 66, "\(missing.stderr)")
        let noPublisher = try await verify([])
        #expect(noPublisher.status == 64, "\(noPublisher.stderr)")
        let badRepository = try await verify(["--github-repository", "example/project/extra"])
        #expect(badRepository.status == 64, "\(badRepository.stderr)")
        try folder.write("notes.txt", Array("a wheel's bytes".utf8))
        let notADistribution = try await verify(["--github-repository", "example/project"], distribution: "notes.txt")
        #expect(notADistribution.status == 64, "\(notADistribution.stderr)")
    }
}
