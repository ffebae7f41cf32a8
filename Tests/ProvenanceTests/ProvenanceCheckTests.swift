import Crypto
import Foundation
import Sigstore
import TUF
import TestSupport
import Testing
import X509

@testable import Provenance

/// SLSA provenance checks, as slsa-verifier makes them, over certificates from the test CA with
/// GitHub-style Fulcio extensions and statements of both SLSA versions: each wrong repository,
/// ref, commit and builder refused with its reason.
@Suite("Provenance checks")
struct ProvenanceCheckTests {
    static let repository = "https://github.com/example/project"
    static let commit = "0123456789abcdef0123456789abcdef01234567"
    static let builder =
        "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.0.0"

    static func certificate(ref: String = "refs/tags/v1.4.2", repository: String = repository, commit: String = commit) throws
        -> Certificate
    {
        let instance = try TestInstance()
        return try instance.issueForWorkflow(
            to: P256.Signing.PrivateKey(),
            repository: repository,
            ref: ref,
            commit: commit,
            builder: builder,
            at: instance.epoch
        )
    }

    static func statementV1(
        repository: String = repository,
        ref: String = "refs/tags/v1.4.2",
        commit: String = commit,
        builder: String = builder
    )
        -> [UInt8]
    {
        let predicate: JSONValue = [
            "buildDefinition": [
                "buildType": "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
                "externalParameters": [
                    "workflow": ["repository": .string(repository), "ref": .string(ref), "path": ".github/workflows/release.yml"]
                ],
                "resolvedDependencies": [["uri": .string("git+\(repository)@\(ref)"), "digest": ["gitCommit": .string(commit)]]],
            ],
            "runDetails": ["builder": ["id": .string(builder)]],
        ]
        return CanonicalJSON.encode([
            "_type": "https://in-toto.io/Statement/v1", "predicateType": .string(ProvenanceCheck.slsaV1), "predicate": predicate,
        ])
    }

    static func statementV02(repository: String = repository, ref: String = "refs/tags/v1.4.2", commit: String = commit) -> [UInt8] {
        let predicate: JSONValue = [
            "builder": ["id": .string(builder)],
            "invocation": ["configSource": ["uri": .string("git+\(repository)@\(ref)"), "digest": ["sha1": .string(commit)]]],
        ]
        return CanonicalJSON.encode([
            "_type": "https://in-toto.io/Statement/v0.1", "predicateType": .string(ProvenanceCheck.slsaV02), "predicate": predicate,
        ])
    }

    func check(_ policy: ProvenancePolicy, _ statement: [UInt8], _ certificate: Certificate) -> [String] {
        do {
            _ = try ProvenanceCheck(policy: policy).check(statement: statement, certificate: certificate)
            return []
        } catch {
            return error.mismatches
        }
    }

    @Test func acceptsMatchingProvenanceOfBothVersions() throws {
        let certificate = try Self.certificate()
        for statement in [Self.statementV1(), Self.statementV02()] {
            let summary = try ProvenanceCheck(
                policy: ProvenancePolicy(sourceURI: "github.com/example/project", sourceRef: .versionedTag("v1"), builderID: Self.builder)
            ).check(statement: statement, certificate: certificate)
            #expect(summary.repository == Self.repository && summary.ref == "refs/tags/v1.4.2" && summary.commit == Self.commit)
            #expect(summary.builderID == Self.builder)
        }
        let withoutRef = ProvenancePolicy(
            sourceURI: "https://github.com/example/project",
            builderID: Self.builder.split(separator: "@").first.map(String.init)
        )
        #expect(check(withoutRef, Self.statementV1(), certificate).isEmpty)
    }

    @Test func namesEachMismatch() throws {
        let certificate = try Self.certificate()
        let policy = ProvenancePolicy(sourceURI: "github.com/example/project")
        #expect(
            check(ProvenancePolicy(sourceURI: "github.com/example/other"), Self.statementV1(), certificate).first?.contains(
                "source repository"
            ) == true
        )
        #expect(check(ProvenancePolicy(sourceURI: "github.com/example/project-fork"), Self.statementV1(), certificate).count == 1)
        #expect(
            check(policy, Self.statementV1(repository: "https://github.com/evil/project"), certificate).first?.contains(
                "predicate names the repository"
            ) == true
        )
        #expect(check(policy, Self.statementV1(ref: "refs/heads/main"), certificate).first?.contains("predicate names the ref") == true)
        #expect(check(policy, Self.statementV1(commit: String(repeating: "f", count: 40)), certificate).first?.contains("commit") == true)
        #expect(check(policy, Self.statementV02(commit: String(repeating: "e", count: 40)), certificate).first?.contains("commit") == true)
        for ref: ProvenancePolicy.SourceRef in [
            .branch("main"), .tag("v1.4.3"), .versionedTag("v2"), .versionedTag("v1.5"), .versionedTag("v10"),
        ] {
            #expect(
                check(ProvenancePolicy(sourceURI: "github.com/example/project", sourceRef: ref), Self.statementV1(), certificate).first?
                    .contains("the ref is") == true,
                "\(ref)"
            )
        }
        let otherBuilder = ProvenancePolicy(sourceURI: "github.com/example/project", builderID: "https://github.com/evil/builder")
        #expect(
            check(otherBuilder, Self.statementV1(), certificate).first?.contains("the builder (the certificate's build signer) is") == true
        )
        // A certificate without the source claims: the predicate alone, the signer's word, is not enough.
        let instance = try TestInstance()
        let plain = try instance.issue(to: .init(P256.Signing.PrivateKey().publicKey), at: instance.epoch)
        #expect(check(policy, Self.statementV1(), plain).first?.contains("names no source repository") == true)
        let notProvenance = CanonicalJSON.encode(["predicateType": "https://example.com/sbom", "predicate": [:]])
        #expect(check(policy, notProvenance, certificate).first?.contains("not SLSA provenance") == true)
    }

    @Test func checksGitHubsOwnerAndSignerWorkflow() throws {
        let certificate = try Self.certificate()
        let signer = "slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml"
        let good = ProvenancePolicy(sourceURI: "github.com/example/project", owner: "example", signerWorkflow: signer)
        #expect(check(good, Self.statementV1(), certificate).isEmpty)
        let hosted = ProvenancePolicy(sourceURI: "github.com/example/project", signerWorkflow: "github.com/" + signer)
        #expect(check(hosted, Self.statementV1(), certificate).isEmpty)
        let owner = ProvenancePolicy(sourceURI: "github.com/example/project", owner: "exam")
        #expect(check(owner, Self.statementV1(), certificate).first?.contains("owner") == true)
        let workflow = ProvenancePolicy(
            sourceURI: "github.com/example/project",
            signerWorkflow: "example/project/.github/workflows/release.yml"
        )
        #expect(check(workflow, Self.statementV1(), certificate).first?.contains("signer workflow") == true)
    }

    @Test func versionedTagsMatchWholeComponents() {
        let policy = { (prefix: String) in ProvenancePolicy(sourceURI: "x", sourceRef: .versionedTag(prefix)) }
        #expect(policy("v1").accepts(ref: "refs/tags/v1.4.2"))
        #expect(policy("v1.4").accepts(ref: "refs/tags/v1.4.0-rc.1"))
        #expect(!policy("v1").accepts(ref: "refs/tags/v10.0.0"))
        #expect(!policy("v1.4.2").accepts(ref: "refs/tags/v1.4"))
        #expect(!policy("v1").accepts(ref: "refs/heads/v1.0.0"))
        #expect(!ProvenancePolicy.versionPrefixIsValid("1.2") && !ProvenancePolicy.versionPrefixIsValid("v1.x"))
    }
}
