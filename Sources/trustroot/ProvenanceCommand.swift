import ArgumentParser
import Foundation
import Provenance
import Sigstore
import TUF

/// `trustroot provenance`: check build provenance as slsa-verifier does.
struct ProvenanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provenance",
        abstract: "Check SLSA build provenance: who built an artifact, from which repository, ref and commit.",
        subcommands: [Verify.self]
    )

    /// `trustroot provenance verify`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an artifact's SLSA provenance bundle against its source repository, ref and builder.",
            discussion: """
                The bundle must verify against the trusted root (its options are `verify`'s), hold SLSA provenance v0.2 \\
                or v1 whose subject is the artifact, and the repository, ref, commit and builder in the certificate's \\
                Fulcio extensions and in the predicate must agree and meet the flags; each mismatch is named. Exit 0: \\
                verified; 1: a check failed; 65: the bundle is malformed.
                """
        )

        @Option(help: "The provenance bundle (.sigstore.json, or .intoto.jsonl as a v0.3 bundle).")
        var bundle: String

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
        var artifact: String

        func validate() throws {
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
            let artifactValue = try VerifyRequest.artifactValue(artifact)
            let bundleValue: SigstoreBundle
            do {
                bundleValue = try SigstoreBundle(bytes: try readFile(bundle, limit: 16 << 20))
            } catch let error as VerificationError {
                throw CLIError(message: "\(bundle): \(error)", code: .invalidData)
            }
            let (material, _) = try await trust.source.loadMaterial()
            let identity = IdentityPolicy(identity: .regularExpression(certificateIdentityRegexp), issuer: certificateOidcIssuer)
            let run = VerificationRun(verifier: SignedEntityVerifier(trustedMaterial: material), policy: .identity(identity))
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
            let summary: ProvenanceCheck.Summary
            do {
                summary = try ProvenanceCheck(policy: policy).check(statement: envelope.payload, certificate: result.certificate)
            } catch {
                throw CLIError(message: "\(bundle): \(error)", code: .verificationFailed)
            }
            if printProvenance { FileHandleOutput.standardOutput.write(envelope.payload + [10]) }
            var line = "verified provenance: \(artifact) built from \(summary.repository ?? "?")"
            if let ref = summary.ref { line += " at \(ref)" }
            if let commit = summary.commit { line += " (\(commit))" }
            if let builder = summary.builderID { line += " by \(builder)" }
            print(TerminalText.escaped(line))
        }
    }
}
