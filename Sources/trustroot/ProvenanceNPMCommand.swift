import ArgumentParser
import Foundation
import Provenance
import Sigstore
import TUF

extension ProvenanceCommand {
    /// `trustroot provenance npm`: a package tarball against the npm registry's attestations.
    struct NPM: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "npm",
            abstract: "Verify an npm package tarball against the registry's attestations, as `npm audit signatures` does.",
            discussion: """
                The attestations document is what the registry serves at /-/npm/v1/attestations/NAME@VERSION. Its \
                publish attestation must verify with the registry's key (from `registry.npmjs.org/keys.json`, the \
                target the client's repository delegates to the role named after the registry's host: fetch it with \
                `trustroot client get registry.npmjs.org/keys.json`, or give --registry-keys), valid when the log took \
                the entry; its SLSA provenance, when present, against the trusted root (its options are `verify`'s) and \
                a GitHub Actions certificate. Each must attest to exactly this version (its package URL) with the \
                tarball's SHA-512. With --source-uri, provenance is required and its source repository checked. Exit 0: \
                verified; 1: a check failed; 65: malformed input; 66: a file is missing.
                """
        )

        @Option(help: "The package version, NAME@VERSION (NAME may be @scope/name).")
        var package: String

        @Option(help: "The registry's attestations document for the version.")
        var attestations: String

        @Option(help: "The registry's keys (keys.json); default: the client's verified copy of registry.npmjs.org/keys.json.")
        var registryKeys: String?

        @Option(help: "Require SLSA provenance built from this source repository, github.com/ORG/REPO.")
        var sourceUri: String?

        @Option(help: "With --source-uri: the builder's id (with or without @REF).")
        var builderId: String?

        @OptionGroup var trust: TrustedRootOptions

        @Argument(help: "The package tarball (.tgz).")
        var tarball: String

        func validate() throws {
            guard NPMPackageCheck.parse(package) != nil else {
                throw ValidationError("--package is NAME@VERSION as npm names them, not \(TerminalText.escaped(package))")
            }
            if builderId != nil, sourceUri == nil { throw ValidationError("--builder-id goes with --source-uri") }
        }

        func run() async throws {
            guard let (name, version) = NPMPackageCheck.parse(package) else { throw CLIError(message: "bad --package", code: .usage) }
            let document: NPMAttestations
            do {
                document = try NPMAttestations(bytes: try readFile(attestations, limit: 16 << 20))
            } catch let error as ProvenanceError {
                throw CLIError(message: "\(attestations): \(error)", code: .invalidData)
            }
            let keys = try await loadKeys()
            let check = NPMPackageCheck(name: name, version: version, digest: try digestOfFile(tarball, .sha512))
            let (material, _) = try await trust.source.loadMaterial()
            let verifier = SignedEntityVerifier(trustedMaterial: material)
            var published = false
            var provenance: String?
            for (index, attestation) in document.attestations.enumerated() {
                let place = "\(attestations) attestation \(index) (\(attestation.predicateType))"
                switch attestation.predicateType {
                case NPMAttestations.publishV01:
                    try await verifyPublish(attestation, place: place, keys: keys, verifier: verifier, check: check)
                    published = true
                case ProvenanceCheck.slsaV1:
                    provenance = try await verifyProvenance(attestation, place: place, verifier: verifier, check: check)
                default:
                    print(TerminalText.escaped("not checked: \(place): not an attestation type npm defines"))
                }
            }
            guard published else {
                throw CLIError(message: "\(attestations): no publish attestation from the registry", code: .verificationFailed)
            }
            if sourceUri != nil, provenance == nil {
                throw CLIError(message: "\(attestations): no SLSA provenance, which --source-uri requires", code: .verificationFailed)
            }
            var line = "verified: \(name)@\(version) published by the registry"
            if let provenance { line += "; built \(provenance)" }
            print(TerminalText.escaped(line))
        }

        /// The registry's keys: the file given, else the client's verified copy of the target.
        func loadKeys() async throws -> NPMRegistryKeys {
            let bytes: [UInt8]
            let source: String
            if let registryKeys {
                (bytes, source) = (try readFile(registryKeys, limit: 1 << 20), registryKeys)
            } else if let target = try await trust.source.clientTarget(NPMRegistryKeys.targetPath) {
                (bytes, source) = target
            } else {
                throw CLIError(
                    message:
                        "no registry keys: give --registry-keys, or init a client of Sigstore's repository and run `trustroot client get \(NPMRegistryKeys.targetPath)`",
                    code: .noInput
                )
            }
            do {
                return try NPMRegistryKeys(bytes: bytes)
            } catch {
                throw CLIError(message: "\(source): \(error)", code: .invalidData)
            }
        }

        /// The publish attestation: signed by the registry key its hint names, for attestations,
        /// valid at every time the signature was shown to exist.
        func verifyPublish(
            _ attestation: NPMAttestations.Attestation,
            place: String,
            keys: NPMRegistryKeys,
            verifier: SignedEntityVerifier,
            check: NPMPackageCheck
        ) async throws {
            guard let hint = attestation.bundle.publicKeyHint, let key = keys.key(id: hint) else {
                let named = attestation.bundle.publicKeyHint.map { "key \($0)" } ?? "no key"
                throw CLIError(message: "\(place): names \(named), not a registry key for attestations", code: .verificationFailed)
            }
            let run = VerificationRun(verifier: verifier, policy: .key(key.key))
            let result = try await verified(attestation, place: place, run: run, check: check)
            let times = result.verifiedTimes.map(\.time)
            guard !times.isEmpty, times.allSatisfy(key.isValid(at:)) else {
                throw CLIError(
                    message: "\(place): registry key \(key.id) was not valid when the log took the entry",
                    code: .verificationFailed
                )
            }
        }

        /// The SLSA provenance: a GitHub Actions certificate, and with --source-uri its source.
        func verifyProvenance(
            _ attestation: NPMAttestations.Attestation,
            place: String,
            verifier: SignedEntityVerifier,
            check: NPMPackageCheck
        ) async throws -> String {
            let identity = IdentityPolicy(identity: .regularExpression(".*"), issuer: "https://token.actions.githubusercontent.com")
            let run = VerificationRun(verifier: verifier, policy: .identity(identity))
            let result = try await verified(attestation, place: place, run: run, check: check)
            guard case .envelope(let envelope) = attestation.bundle.content else {
                throw CLIError(message: "\(place): not a statement", code: .verificationFailed)
            }
            guard let sourceUri else {
                // Without a policy the provenance is reported from the certificate, not judged.
                let fulcio = result.certificate.map(FulcioCertificate.init)
                return "from \(fulcio?.claim(12) ?? "an unnamed repository")" + (fulcio?.claim(9).map { " by \($0)" } ?? "")
            }
            let summary: ProvenanceCheck.Summary
            do {
                summary = try ProvenanceCheck(policy: ProvenancePolicy(sourceURI: sourceUri, builderID: builderId)).check(
                    statement: envelope.payload,
                    certificate: result.certificate
                )
            } catch {
                throw CLIError(message: "\(place): \(error)", code: .verificationFailed)
            }
            return "from \(summary.repository ?? "?")" + (summary.builderID.map { " by \($0)" } ?? "")
        }

        /// Verifies the bundle for the tarball's digest, then its statement.
        func verified(
            _ attestation: NPMAttestations.Attestation,
            place: String,
            run: VerificationRun,
            check: NPMPackageCheck
        ) async throws -> BundleVerifier.Result {
            let report = await run.verify(attestation.bundle, artifact: .sha512(check.digest))
            guard case .verified(let result) = report.outcome else {
                throw CLIError(message: "\(place): \(report.failure ?? "not verified")", code: .verificationFailed)
            }
            guard case .envelope(let envelope) = attestation.bundle.content else {
                throw CLIError(message: "\(place): the bundle holds no statement", code: .verificationFailed)
            }
            do {
                _ = try check.check(statement: envelope.payload, predicateType: attestation.predicateType)
            } catch {
                throw CLIError(message: "\(place): \(error)", code: .verificationFailed)
            }
            return result
        }
    }
}
