import ArgumentParser
import ContainerImage
import Foundation
import OCI
import Provenance
import Sigstore
import TUF

/// `trustroot provenance`: check build provenance as slsa-verifier does.
struct ProvenanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provenance",
        abstract: "Check SLSA build provenance: who built an artifact, from which repository, ref and commit.",
        subcommands: [Verify.self, PyPI.self, NPM.self]
    )

    /// `trustroot provenance verify`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an artifact's SLSA provenance bundle against its source repository, ref and builder.",
            discussion: """
                The bundle must verify against the trusted root (its options are `verify`'s), hold SLSA provenance v0.2 \
                or v1 whose subject is the artifact; the repository, ref, commit and builder are the certificate's \
                Fulcio extensions, which must meet the flags and which the predicate must agree with; each mismatch is named. Exit 0: \
                verified; 1: a check failed; 65: the bundle is malformed.
                """
        )

        @Option(help: "The provenance bundle (.sigstore.json).")
        var bundle: String?

        @Option(help: "Instead of an artifact and a bundle: an image, whose provenance bundles are its referrers.")
        var image: String?

        @Flag(help: "With --image: reach a registry that is not on this machine over plain HTTP.")
        var allowInsecureRegistry = false

        @Option(help: "The source repository, github.com/ORG/REPO.")
        var sourceUri: String

        @Option(help: "The branch the artifact must be built from.")
        var sourceBranch: String?

        @Option(help: "The tag the artifact must be built from, exactly.")
        var sourceTag: String?

        @Option(help: "A semantic-version tag prefix the build's tag must have: v1 takes v1.4.2, v1.2 takes v1.2.7.")
        var sourceVersionedTag: String?

        @Option(help: "The builder's id (with or without @REF).")
        var builderId: String?

        @Option(help: "GitHub artifact attestations: the repository owner (ORG), as `gh attestation verify --owner`.")
        var owner: String?

        @Option(
            help:
                "GitHub artifact attestations: the signing workflow, [HOST/]ORG/REPO/.github/workflows/FILE, as `gh attestation verify --signer-workflow`."
        )
        var signerWorkflow: String?

        @Option(help: "The OIDC issuer of the signing certificate.")
        var certificateOidcIssuer = "https://token.actions.githubusercontent.com"

        @Option(help: "A regular expression the whole signer identity must match (default: any; the provenance checks decide).")
        var certificateIdentityRegexp = ".*"

        @Flag(help: "Print the verified statement.")
        var printProvenance = false

        @OptionGroup var trust: TrustedRootOptions

        @Argument(help: "The artifact, or its digest: sha256:HEX.")
        var artifact: String?

        func validate() throws {
            guard (image == nil) == (bundle != nil && artifact != nil), image == nil || (bundle == nil && artifact == nil) else {
                throw ValidationError("give --bundle and the artifact, or --image")
            }
            guard [sourceBranch, sourceTag, sourceVersionedTag].compactMap({ $0 }).count <= 1 else {
                throw ValidationError("give one of --source-branch, --source-tag, --source-versioned-tag")
            }
            if let sourceVersionedTag, ProvenancePolicy.versionPrefixIsValid(sourceVersionedTag) == false {
                throw ValidationError("--source-versioned-tag is vMAJOR, vMAJOR.MINOR or vMAJOR.MINOR.PATCH, not \(sourceVersionedTag)")
            }
        }

        func run() async throws {
            var ref: ProvenancePolicy.SourceRef?
            if let sourceBranch { ref = .branch(sourceBranch) }
            if let sourceTag { ref = .tag(sourceTag) }
            if let sourceVersionedTag { ref = .versionedTag(sourceVersionedTag) }
            let policy = ProvenancePolicy(
                sourceURI: sourceUri,
                sourceRef: ref,
                builderID: builderId,
                owner: owner,
                signerWorkflow: signerWorkflow
            )
            let (material, _) = try await trust.source.loadMaterial()
            let identity = IdentityPolicy(identity: .regularExpression(certificateIdentityRegexp), issuer: certificateOidcIssuer)
            let run = VerificationRun(verifier: SignedEntityVerifier(trustedMaterial: material), policy: .identity(identity))
            let check = ProvenanceCheck(policy: policy)
            let checked: (ProvenanceCheck.Summary, [UInt8], String)
            if let image {
                checked = try await checkImage(image, run: run, check: check)
            } else {
                checked = try await checkBundle(run: run, check: check)
            }
            let (summary, payload, subject) = checked
            if printProvenance { FileHandleOutput.standardOutput.write(payload + [10]) }
            var line = "verified provenance: \(subject) built from \(summary.repository ?? "?")"
            if let ref = summary.ref { line += " at \(ref)" }
            if let commit = summary.commit { line += " (\(commit))" }
            if let builder = summary.builderID { line += " by \(builder)" }
            print(TerminalText.escaped(line))
        }

        /// Verifies `--bundle` for the artifact, then its provenance.
        func checkBundle(run: VerificationRun, check: ProvenanceCheck) async throws -> (ProvenanceCheck.Summary, [UInt8], String) {
            guard let bundle, let artifact else { throw CLIError(message: "give --bundle and the artifact", code: .usage) }
            let artifactValue = try VerifyRequest.artifactValue(artifact)
            let bundleValue: SigstoreBundle
            do {
                bundleValue = try SigstoreBundle(bytes: try readFile(bundle, limit: 16 << 20))
            } catch let error as VerificationError {
                throw CLIError(message: "\(bundle): \(error)", code: .invalidData)
            }
            let report = await run.verify(bundleValue, artifact: artifactValue)
            guard case .verified(let result) = report.outcome else {
                throw CLIError(message: "\(bundle): \(report.failure ?? "not verified")", code: .verificationFailed)
            }
            guard case .envelope(let envelope) = bundleValue.content else {
                throw CLIError(
                    message: "\(bundle): the bundle holds a message signature, not a provenance statement",
                    code: .verificationFailed
                )
            }
            do {
                return (try check.check(statement: envelope.payload, certificate: result.certificate), envelope.payload, artifact)
            } catch {
                throw CLIError(message: "\(bundle): \(error)", code: .verificationFailed)
            }
        }

        /// Verifies the image's referring bundles, then the provenance of each that verified; the
        /// first that meets the policy answers.
        func checkImage(_ image: String, run: VerificationRun, check: ProvenanceCheck) async throws -> (
            ProvenanceCheck.Summary, [UInt8], String
        ) {
            let reference: ImageReference
            do {
                reference = try ImageReference(image)
            } catch {
                throw CLIError(error)
            }
            let registry = try ImageCommand.registry(for: reference, allowsPlainHTTP: allowInsecureRegistry)
            let report = try await CLIError.mapping { () async throws(OCIError) in
                try await ImageVerifier(registry: registry, run: run).verify(reference, legacy: .never)
            }
            var reasons: [String] = []
            for outcome in report.outcomes {
                guard case .verified(let result)? = outcome.report?.outcome, case .envelope(let envelope)? = outcome.bundle?.content else {
                    reasons.append("\(outcome.referrer): \(outcome.failure ?? "not a verified statement")")
                    continue
                }
                do {
                    let summary = try check.check(statement: envelope.payload, certificate: result.certificate)
                    return (summary, envelope.payload, reference.pinned(to: report.digest).description)
                } catch {
                    reasons.append("\(outcome.referrer): \(error)")
                }
            }
            throw CLIError(
                message: "\(reference.pinned(to: report.digest)): no bundle carries provenance that meets the policy"
                    + (reasons.isEmpty ? "" : " (\(reasons.joined(separator: "; ")))"),
                code: .verificationFailed
            )
        }
    }
}
