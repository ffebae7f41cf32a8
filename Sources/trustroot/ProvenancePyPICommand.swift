import ArgumentParser
import Foundation
import Provenance
import Sigstore
import TUF

extension ProvenanceCommand {
    /// `trustroot provenance pypi`: a distribution file against its PEP 740 attestations.
    struct PyPI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pypi",
            abstract: "Verify a Python distribution against its PEP 740 attestations and Trusted Publisher.",
            discussion: """
                Each attestation (a file `pypi-attestations` or a publishing workflow wrote, or every attestation of a \
                provenance object from PyPI's integrity API) must verify against the trusted root (its options are \
                `verify`'s), attest to exactly this file (its name and SHA-256) with a predicate type PyPI knows, and be \
                signed by the Trusted Publisher given: for GitHub and GitLab the certificate's issuer, source repository \
                and build configuration (the workflow at the commit or ref the certificate names), for Google the \
                service account. Every attestation must pass. Exit 0: verified; 1: a check failed; 65: an attestation \
                is malformed; 66: a file is missing.
                """
        )

        @Option(help: "A PEP 740 attestation of the distribution (repeatable).")
        var attestation: [String] = []

        @Option(help: "A PEP 740 provenance object (PyPI's integrity API), every attestation of which must verify.")
        var provenance: String?

        @Option(help: "GitHub Trusted Publisher: the repository, ORG/REPO.")
        var githubRepository: String?

        @Option(help: "GitLab Trusted Publisher: the project, NAMESPACE/PROJECT.")
        var gitlabRepository: String?

        @Option(help: "With --github-repository: the workflow's file name (release.yml); any of the repository's when omitted.")
        var workflow: String?

        @Option(help: "With --gitlab-repository: the CI configuration's path (.gitlab-ci.yml); any when omitted.")
        var workflowPath: String?

        @Option(help: "Google Trusted Publisher: the service account's email address.")
        var googleServiceAccount: String?

        @Flag(help: "Print each verified statement.")
        var printStatement = false

        @OptionGroup var trust: TrustedRootOptions

        @Argument(help: "The distribution file (.whl, .tar.gz or .zip), named as it was published.")
        var distribution: String

        func validate() throws {
            guard attestation.isEmpty != (provenance == nil) else { throw ValidationError("give --attestation FILE or --provenance FILE") }
            guard [githubRepository, gitlabRepository, googleServiceAccount].compactMap({ $0 }).count == 1 else {
                throw ValidationError("give one Trusted Publisher: --github-repository, --gitlab-repository or --google-service-account")
            }
            if workflow != nil, githubRepository == nil { throw ValidationError("--workflow goes with --github-repository") }
            if workflowPath != nil, gitlabRepository == nil { throw ValidationError("--workflow-path goes with --gitlab-repository") }
            if let githubRepository, !TrustedPublisher.isValidRepository(githubRepository, nested: false) {
                throw ValidationError("--github-repository is ORG/REPO, not \(TerminalText.escaped(githubRepository))")
            }
            if let gitlabRepository, !TrustedPublisher.isValidRepository(gitlabRepository, nested: true) {
                throw ValidationError("--gitlab-repository is NAMESPACE/PROJECT, not \(TerminalText.escaped(gitlabRepository))")
            }
            if let workflow, workflow.isEmpty || workflow.contains("/") || workflow.contains("@") {
                throw ValidationError("--workflow is the workflow's file name, not \(TerminalText.escaped(workflow))")
            }
            let name = URL(fileURLWithPath: distribution).lastPathComponent
            guard PyPIAttestationCheck.isDistributionFileName(name) else {
                throw ValidationError("\(TerminalText.escaped(name)) is not a distribution's file name (.whl, .tar.gz or .zip)")
            }
        }

        var publisher: TrustedPublisher {
            if let githubRepository { return .gitHub(repository: githubRepository, workflow: workflow) }
            if let gitlabRepository { return .gitLab(repository: gitlabRepository, workflowPath: workflowPath) }
            return .google(email: googleServiceAccount ?? "")
        }

        func run() async throws {
            let attestations = try readAttestations()
            let (material, _) = try await trust.source.loadMaterial()
            let publisher = self.publisher
            let run = VerificationRun(
                verifier: SignedEntityVerifier(trustedMaterial: material),
                policy: .identity(IdentityPolicy(identity: publisher.identity, issuer: publisher.issuer))
            )
            let digest = try digestOfFile(distribution)
            let name = URL(fileURLWithPath: distribution).lastPathComponent
            let check = PyPIAttestationCheck(fileName: name, digest: digest, publisher: publisher)
            for (source, attestation) in attestations {
                let summary = try await verify(attestation, from: source, run: run, check: check)
                if printStatement { FileHandleOutput.standardOutput.write(attestation.statement + [10]) }
                var line = "verified: \(name) attested (\(summary.predicateType)) by \(publisher)"
                if let configuration = summary.buildConfiguration { line += " through \(configuration)" }
                print(TerminalText.escaped(line))
            }
        }

        /// The attestations to check, each with where it came from.
        func readAttestations() throws -> [(String, PyPIAttestation)] {
            // Each file is read and parsed on its own, so that a refusal names the file it is about.
            func parsed<Value>(_ path: String, _ read: ([UInt8]) throws(ProvenanceError) -> Value) throws -> Value {
                let bytes = try readFile(path, limit: 16 << 20)
                do {
                    return try read(bytes)
                } catch {
                    throw CLIError(message: "\(path): \(error)", code: .invalidData)
                }
            }
            if let provenance {
                let object = try parsed(provenance) { (bytes) throws(ProvenanceError) in try PyPIProvenance(bytes: bytes) }
                return object.attestations.enumerated().map { ("\(provenance) attestation \($0.offset)", $0.element) }
            }
            return try attestation.map { path in
                (path, try parsed(path) { (bytes) throws(ProvenanceError) in try PyPIAttestation(bytes: bytes) })
            }
        }

        /// Verifies one attestation as a Sigstore bundle for the file's digest, then its
        /// statement and publisher.
        func verify(
            _ attestation: PyPIAttestation,
            from source: String,
            run: VerificationRun,
            check: PyPIAttestationCheck
        ) async throws -> PyPIAttestationCheck.Summary {
            let bundle: SigstoreBundle
            do {
                bundle = try attestation.bundle()
            } catch {
                throw CLIError(message: "\(source): \(error)", code: .invalidData)
            }
            let report = await run.verify(bundle, artifact: .sha256(check.digest))
            guard case .verified(let result) = report.outcome else {
                throw CLIError(message: "\(source): \(report.failure ?? "not verified")", code: .verificationFailed)
            }
            do {
                return try check.check(statement: attestation.statement, certificate: result.certificate)
            } catch {
                throw CLIError(message: "\(source): \(error)", code: .verificationFailed)
            }
        }
    }
}
