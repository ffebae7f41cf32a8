import Crypto
import Foundation
import Sigstore
import TUF
import TestSupport
import Testing
import X509

@testable import Provenance

/// Trusted Publisher checks over certificates from the test CA with the Fulcio extensions a
/// GitHub or GitLab workflow's certificate carries, and PEP 740 statement checks: each way a
/// certificate or statement is not the publisher's or the file's refused with its reason.
@Suite("PyPI Trusted Publishers")
struct TrustedPublisherTests {
    let instance: TestInstance

    init() throws {
        instance = try TestInstance()
    }

    /// A certificate with the source repository (12), commit (13), ref (14) and build
    /// configuration (18) extensions given; nil leaves one out.
    func certificate(repository: String?, commit: String?, ref: String?, configuration: String?) throws -> FulcioCertificate {
        let values: [(UInt, String?)] = [(12, repository), (13, commit), (14, ref), (18, configuration)]
        let certificate = try instance.issue(to: .init(P256.Signing.PrivateKey().publicKey), at: Date()) { extensions in
            extensions + (try values.compactMap { number, value in try value.map { try TestInstance.fulcioExtension(number, $0) } })
        }
        return FulcioCertificate(certificate)
    }

    static let commit = String(repeating: "a", count: 40)

    @Test func gitLabConfigurationsAreMatchedAtTheCommitOrRef() throws {
        let nested = "https://gitlab.com/group/sub/project"
        let atRef = try certificate(
            repository: nested,
            commit: Self.commit,
            ref: "refs/heads/main",
            configuration: "\(nested)//ci/release.yml@refs/heads/main"
        )
        #expect(TrustedPublisher.gitLab(repository: "group/sub/project", workflowPath: "ci/release.yml").mismatches(atRef).isEmpty)
        #expect(TrustedPublisher.gitLab(repository: "group/sub/project", workflowPath: nil).mismatches(atRef).isEmpty)
        let otherPath = TrustedPublisher.gitLab(repository: "group/sub/project", workflowPath: ".gitlab-ci.yml").mismatches(atRef)
        #expect(
            otherPath == [
                "the build configuration is \(nested)//ci/release.yml@refs/heads/main, not \(nested)//.gitlab-ci.yml at the certificate's commit or ref"
            ]
        )
        let otherProject = TrustedPublisher.gitLab(repository: "group/project", workflowPath: nil).mismatches(atRef)
        #expect(otherProject.first == "the source repository is \(nested), not https://gitlab.com/group/project")
        #expect(otherProject.count == 2)
        // A configuration at a commit the certificate does not name is not the publisher's run.
        let elsewhere = try certificate(
            repository: nested,
            commit: Self.commit,
            ref: "refs/heads/main",
            configuration: "\(nested)//ci/release.yml@refs/heads/other"
        )
        #expect(TrustedPublisher.gitLab(repository: "group/sub/project", workflowPath: nil).mismatches(elsewhere).count == 1)
    }

    @Test func gitHubWorkflowsAreFilesOfTheRepositorysWorkflowFolder() throws {
        let repository = "https://github.com/example/project"
        let atCommit = try certificate(
            repository: repository,
            commit: Self.commit,
            ref: nil,
            configuration: "\(repository)/.github/workflows/release.yml@\(Self.commit)"
        )
        #expect(TrustedPublisher.gitHub(repository: "example/project", workflow: "release.yml").mismatches(atCommit).isEmpty)
        #expect(TrustedPublisher.gitHub(repository: "example/project", workflow: nil).mismatches(atCommit).isEmpty)
        let nestedFile = try certificate(
            repository: repository,
            commit: Self.commit,
            ref: nil,
            configuration: "\(repository)/.github/workflows/sub/release.yml@\(Self.commit)"
        )
        #expect(TrustedPublisher.gitHub(repository: "example/project", workflow: nil).mismatches(nestedFile).count == 1)
        let noConfiguration = try certificate(repository: repository, commit: Self.commit, ref: nil, configuration: nil)
        #expect(
            TrustedPublisher.gitHub(repository: "example/project", workflow: nil).mismatches(noConfiguration) == [
                "the certificate names no build configuration (Fulcio extension 1.3.6.1.4.1.57264.1.18)"
            ]
        )
        let noSuffix = try certificate(
            repository: repository,
            commit: nil,
            ref: nil,
            configuration: "\(repository)/.github/workflows/release.yml@refs/heads/main"
        )
        #expect(
            TrustedPublisher.gitHub(repository: "example/project", workflow: nil).mismatches(noSuffix) == [
                "the certificate names neither the source commit nor the ref its build configuration is at"
            ]
        )
    }

    @Test func repositorySlugsAreValidated() {
        #expect(TrustedPublisher.isValidRepository("example/project", nested: false))
        #expect(!TrustedPublisher.isValidRepository("example/sub/project", nested: false))
        #expect(TrustedPublisher.isValidRepository("example/sub/project", nested: true))
        for bad in ["example", "example/", "/project", "example/../x", "exa mple/project", "example/proj\u{0}ect", "ex\u{e9}/project"] {
            #expect(!TrustedPublisher.isValidRepository(bad, nested: true), "\(bad)")
        }
    }

    @Test func statementsMustNameExactlyThisFile() throws {
        let repository = "https://github.com/example/project"
        let signing = try certificate(
            repository: repository,
            commit: Self.commit,
            ref: nil,
            configuration: "\(repository)/.github/workflows/release.yml@\(Self.commit)"
        ).certificate
        let digest = Array(SHA256.hash(data: Array("wheel".utf8)))
        let check = PyPIAttestationCheck(
            fileName: "example-1.0-py3-none-any.whl",
            digest: digest,
            publisher: .gitHub(repository: "example/project", workflow: "release.yml")
        )
        func statement(_ subjects: [(String, String)], type: String = PyPIAttestationCheck.publishV1) -> [UInt8] {
            let subject = subjects.map { name, hex -> JSONValue in ["name": .string(name), "digest": ["sha256": .string(hex)]] }
            return JSONWriter.prettyPrinted([
                "_type": "https://in-toto.io/Statement/v1", "subject": .array(subject), "predicateType": .string(type),
                "predicate": nil,
            ])
        }
        let hex = Hex.encode(digest)
        let summary = try check.check(statement: statement([("example-1.0-py3-none-any.whl", hex)]), certificate: signing)
        #expect(summary.predicateType == PyPIAttestationCheck.publishV1)
        #expect(summary.commit == Self.commit)
        #expect(throws: ProvenanceError(["the statement has 2 subjects, not exactly one"])) {
            try check.check(
                statement: statement([("example-1.0-py3-none-any.whl", hex), ("other-1.0.tar.gz", hex)]),
                certificate: signing
            )
        }
        #expect(throws: ProvenanceError(["the predicate type https://example.com/other is not one PyPI knows"])) {
            try check.check(
                statement: statement([("example-1.0-py3-none-any.whl", hex)], type: "https://example.com/other"),
                certificate: signing
            )
        }
        #expect(throws: ProvenanceError(["the subject's SHA-256 is \(String(repeating: "0", count: 64)), not the file's \(hex)"])) {
            try check.check(
                statement: statement([("example-1.0-py3-none-any.whl", String(repeating: "0", count: 64))]),
                certificate: signing
            )
        }
        for name in ["example-1.0-py3-none-any.whl", "example-1.0.tar.gz", "example-1.0.zip"] {
            #expect(PyPIAttestationCheck.isDistributionFileName(name))
        }
        for name in [".whl", "example.txt", "dir/example-1.0.whl", ".hidden.whl"] {
            #expect(!PyPIAttestationCheck.isDistributionFileName(name), "\(name)")
        }
    }

    @Test func malformedAttestationsAreRefusedByField() {
        let cases: [(String, String)] = [
            ("[]", "the attestation is not a JSON object"),
            (#"{"version": 2}"#, "the attestation's version is not 1"),
            (#"{"version": 1, "envelope": {}}"#, "the attestation has no verification_material and envelope"),
            (
                #"{"version": 1, "verification_material": {"certificate": "!!", "transparency_entries": [{}]}, "envelope": {}}"#,
                "the attestation's verification_material.certificate is not base64"
            ),
            (
                #"{"version": 1, "verification_material": {"certificate": "AAAA", "transparency_entries": []}, "envelope": {}}"#,
                "the attestation has no transparency_entries"
            ),
        ]
        for (text, reason) in cases {
            #expect(throws: ProvenanceError([reason]), "\(text)") { try PyPIAttestation(bytes: Array(text.utf8)) }
        }
    }
}
