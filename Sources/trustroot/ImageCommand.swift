import ArgumentParser
import ContainerImage
import Foundation
import NetworkTransport
import OCI
import Plumbing
import Sigstore
import SigstoreSigning
import TUF

/// `trustroot image`: sign container images in OCI registries and verify them, as cosign v3 does.
struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Sign and verify container images in OCI registries (cosign v3 bundles as referrers).",
        subcommands: [Sign.self, Attest.self, Verify.self, Save.self]
    )

    /// The options that name an image and how to reach its registry.
    struct ImageOptions: ParsableArguments {
        @Argument(
            help:
                "The image: [REGISTRY/]REPOSITORY[:TAG][@sha256:DIGEST], or to verify from an OCI image layout folder, oci-layout:DIR@sha256:DIGEST (or oci-layout:DIR:TAG). A tag is resolved once to its digest."
        )
        var image: String

        @Flag(help: "Reach a registry that is not on this machine over plain HTTP.")
        var allowInsecureRegistry = false

        @Option(help: "For an image index: the platform whose image to use instead of the index, os/architecture[/variant].")
        var platform: String?

        /// The platform `--platform` names, if any.
        func selectedPlatform() throws -> OCIPlatform? {
            do {
                return try platform.map(OCIPlatform.init)
            } catch {
                throw CLIError(message: error.description, code: .usage)
            }
        }

        /// The reference.
        func reference() throws -> ImageReference {
            do {
                return try ImageReference(image)
            } catch {
                throw CLIError(message: error.description, code: .usage)
            }
        }

        /// Where the image is, and its reference there: an OCI layout folder for `oci-layout:`,
        /// else the reference's registry.
        func source() throws -> (any ImageSource, ImageReference) {
            guard image.hasPrefix("oci-layout:") else {
                let reference = try reference()
                return (try registry(for: reference), reference)
            }
            var rest = String(image.dropFirst("oci-layout:".count))
            var digest: OCIDigest?
            var tag: String?
            do {
                if let at = rest.lastIndex(of: "@") {
                    digest = try OCIDigest(String(rest[rest.index(after: at)...]))
                    rest = String(rest[..<at])
                } else if let colon = rest.lastIndex(of: ":") {
                    tag = String(rest[rest.index(after: colon)...])
                    rest = String(rest[..<colon])
                }
            } catch {
                throw CLIError(message: error.description, code: .usage)
            }
            guard !rest.isEmpty, digest != nil || tag?.isEmpty == false else {
                throw CLIError(message: "\(image): give oci-layout:DIR@sha256:DIGEST or oci-layout:DIR:TAG", code: .usage)
            }
            return (
                ImageLayout(path: rest), ImageReference(registry: ImageReference.layoutRegistry, repository: rest, tag: tag, digest: digest)
            )
        }

        /// A client of the reference's registry, with the credentials Docker's configuration gives.
        func registry(for reference: ImageReference) throws -> RegistryClient {
            try ImageCommand.registry(for: reference, allowsPlainHTTP: allowInsecureRegistry)
        }
    }

    /// A client of `reference`'s registry, with the credentials Docker's configuration gives;
    /// plain HTTP beyond loopback only when `allowsPlainHTTP`.
    static func registry(for reference: ImageReference, allowsPlainHTTP: Bool) throws -> RegistryClient {
        do {
            let credentials = try RegistryCredentials.fromDockerConfig(for: reference.registry)
            return try RegistryClient(
                registry: reference.registry,
                transport: HTTPClientTransport(idleTimeout: 30, transferTimeout: 300),
                credentials: credentials,
                allowsPlainHTTP: allowsPlainHTTP
            )
        } catch {
            throw CLIError(error)
        }
    }

    /// `trustroot image sign`.
    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign an image: a DSSE in-toto statement about its digest, in a v0.3 bundle pushed as a referrer."
        )

        @OptionGroup var target: ImageOptions
        @OptionGroup var signing: SigningOptions

        @Option(help: "A predicate (JSON) to attest instead of a plain signature; needs --type.")
        var predicate: String?

        @Option(name: .customLong("type"), help: "The predicate type of --predicate (a URI).")
        var predicateType: String?

        func validate() throws {
            guard (predicate == nil) == (predicateType == nil) else { throw ValidationError("give --predicate and --type together") }
        }

        func run() async throws {
            try await Self.sign(target, with: signing, predicate: predicate, predicateType: predicateType)
        }

        /// Signs the image `target` names: a statement of `predicateType` (cosign's signature
        /// type when nil) with the predicate in the file `predicate` (empty when nil), pushed as
        /// a referrer.
        static func sign(_ target: ImageOptions, with signing: SigningOptions, predicate: String?, predicateType: String?) async throws {
            let reference = try target.reference()
            let registry = try target.registry(for: reference)
            let signer = ImageSigner(registry: registry)
            let platform = try target.selectedPlatform()
            let (digest, subject) = try await CLIError.mapping { () async throws(OCIError) in
                try await signer.subject(of: reference, platform: platform)
            }
            let type = predicateType ?? ImageBundleFormat.signPredicateType
            var predicateValue = JSONValue.object(JSONObject())
            if let predicate {
                do {
                    predicateValue = try JSONParser().parse(try readFile(predicate, limit: 16 << 20))
                } catch let error as JSONParseError {
                    throw CLIError(message: "\(predicate): \(error)", code: .invalidData)
                }
            }
            let statement = ImageBundleFormat.statement(for: reference, digest: digest, predicateType: type, predicate: predicateValue)
            let signed = try await signing.sign(managed: { .inTotoStatement(statement) }, keyless: { _ in .inTotoStatement(statement) })
            let referrer = try await CLIError.mapping { () async throws(OCIError) in
                try await signer.attach(signed.bytes, to: subject, in: reference.repository, predicateType: type)
            }
            let who = signed.bundle.leafCertificate.flatMap { FulcioCertificate($0).identities.first } ?? "the managed key"
            print("signed \(reference.pinned(to: digest)) as \(who); bundle referrer \(referrer)")
        }
    }

    /// `trustroot image attest`: `image sign` with a predicate.
    struct Attest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Attest to an image: a DSSE in-toto statement with a predicate (provenance, SBOM, scan) about its digest."
        )

        @OptionGroup var target: ImageOptions
        @OptionGroup var signing: SigningOptions

        @Option(help: "The predicate (JSON).")
        var predicate: String

        @Option(name: .customLong("type"), help: "The predicate type (a URI), such as https://slsa.dev/provenance/v1.")
        var predicateType: String

        func run() async throws {
            try await Sign.sign(target, with: signing, predicate: predicate, predicateType: predicateType)
        }
    }

    /// `trustroot image verify`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an image: every Sigstore bundle referring to its digest, against the trusted root and a policy.",
            discussion: """
                Exit 0 when at least one bundle (with --require-all, every one) verifies; 1 when none does; 66 when the \
                image or its manifest is missing; 69 when the registry cannot be reached; 77 when it refuses the credentials.
                """
        )

        @OptionGroup var target: ImageOptions

        @Option(help: "The signer's identity (SAN), exactly.")
        var certificateIdentity: String?

        @Option(help: "A regular expression the whole signer identity must match.")
        var certificateIdentityRegexp: String?

        @Option(help: "The OIDC issuer the certificate must name, exactly.")
        var certificateOidcIssuer: String?

        @Option(help: "A PEM public key, for images signed with a managed key.")
        var key: String?

        @Option(
            help:
                "The in-toto predicate type the statement must have (default: cosign's signature, \(ImageBundleFormat.signPredicateType))."
        )
        var predicateType: String?

        @Flag(help: "Require every bundle referring to the image to verify, not one.")
        var requireAll = false

        @OptionGroup var trust: TrustedRootOptions

        @Flag(help: "Print each bundle's outcome as JSON.")
        var json = false

        func validate() throws {
            if key == nil {
                guard (certificateIdentity == nil) != (certificateIdentityRegexp == nil), certificateOidcIssuer != nil else {
                    throw ValidationError(
                        "give --certificate-identity (or --certificate-identity-regexp) and --certificate-oidc-issuer, or --key"
                    )
                }
            }
        }

        func run() async throws {
            let (registry, reference) = try target.source()
            var request = VerifyRequest()
            request.certificateIdentity = certificateIdentity
            request.certificateIdentityRegexp = certificateIdentityRegexp
            request.certificateOidcIssuer = certificateOidcIssuer
            request.key = key
            let (material, source) = try await trust.source.loadMaterial()
            let run = VerificationRun(
                verifier: SignedEntityVerifier(trustedMaterial: material),
                policy: try request.makePolicy(),
                predicateType: predicateType ?? ImageBundleFormat.signPredicateType
            )
            let platform = try target.selectedPlatform()
            let report = try await CLIError.mapping { () async throws(OCIError) in
                try await ImageVerifier(registry: registry, run: run).verify(
                    reference,
                    legacy: requireAll ? .always : .whenNoBundleVerifies,
                    platform: platform
                )
            }
            let pinned = reference.pinned(to: report.digest)
            let verified = report.outcomes.filter(\.isVerified).count
            if json {
                var object = JSONObject()
                object["image"] = .string(pinned.description)
                object["trusted_root"] = .string(source)
                object["other_predicate_types"] = .integer(Int64(report.otherPredicateTypes))
                object["bundles"] = .array(
                    report.outcomes.map { outcome in
                        var item = JSONObject()
                        item["referrer"] = .string(outcome.referrer.description)
                        item["legacy"] = .bool(outcome.isLegacy)
                        item["verified"] = .bool(outcome.isVerified)
                        item["failure"] = outcome.failure.map(JSONValue.string) ?? .null
                        if let report = outcome.report { item["report"] = report.json(trustedRoot: source) }
                        return .object(item)
                    }
                )
                FileHandleOutput.standardOutput.write(JSONWriter.prettyPrinted(.object(object)))
            } else {
                for outcome in report.outcomes {
                    let name = outcome.isLegacy ? "legacy signature \(outcome.referrer)" : "\(outcome.referrer)"
                    print(outcome.isVerified ? "ok \(name)" : "FAILED \(name): \(outcome.failure ?? "not verified")")
                }
            }
            let others = report.otherPredicateTypes > 0 ? "; \(report.otherPredicateTypes) of other predicate types not checked" : ""
            guard !report.outcomes.isEmpty else {
                throw CLIError(
                    message: report.otherPredicateTypes == 0
                        ? "\(pinned): no Sigstore bundle refers to the image"
                        : "\(pinned): no Sigstore bundle of predicate type \(run.predicateType ?? "") refers to the image\(others)",
                    code: .verificationFailed
                )
            }
            if report.unchecked > 0 {
                let warning =
                    "\(report.unchecked) more bundles or legacy signatures refer to the image than the \(report.outcomes.count) checked"
                guard !requireAll else {
                    throw CLIError(message: "\(pinned): \(warning); --require-all cannot hold", code: .verificationFailed)
                }
                FileHandleOutput.standardError.write("trustroot: warning: \(pinned): \(warning)\n")
            }
            guard requireAll ? verified == report.outcomes.count : verified > 0 else {
                throw CLIError(
                    message:
                        "\(pinned): \(verified) of \(report.outcomes.count) bundles verified\(requireAll ? "; --require-all needs every one" : "")",
                    code: .verificationFailed
                )
            }
            if !json { print("verified: \(pinned) (\(verified) of \(report.outcomes.count) bundles\(others); trusted root: \(source))") }
        }
    }
}

extension ImageCommand {
    /// `trustroot image save`.
    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy an image and every referrer (its signatures and attestations) into an OCI image layout folder.",
            discussion: "Then `trustroot image verify oci-layout:DIR@sha256:DIGEST …` verifies it with no network."
        )

        @OptionGroup var target: ImageOptions

        @Argument(help: "The OCI image layout folder (created when absent; other images in it are kept).")
        var folder: String

        func run() async throws {
            var reference = try target.reference()
            let registry = try target.registry(for: reference)
            if let platform = try target.selectedPlatform() {
                // An index's image for one platform is saved by its digest.
                let image = try await CLIError.mapping { () async throws(OCIError) in
                    try await registry.resolve(reference, platform: platform).digest
                }
                reference = ImageReference(registry: reference.registry, repository: reference.repository, tag: nil, digest: image)
            }
            let digest = try await CLIError.mapping { () async throws(OCIError) in
                try await ImageLayout(path: folder).save(reference, from: registry, repository: reference.repository)
            }
            print("saved \(reference.pinned(to: digest)) to \(folder); verify it as oci-layout:\(folder)@\(digest)")
        }
    }
}

extension CLIError {
    /// A registry or reference failure, with the exit code of its kind.
    init(_ error: OCIError) {
        let code: ExitCode
        switch error.kind {
        case .reference: code = .usage
        case .unreachable: code = .networkError
        case .notFound: code = .noInput
        case .unauthorized: code = .noPermission
        case .malformed: code = .invalidData
        }
        self.init(message: error.description, code: code)
    }

    /// Runs `body`, turning a registry failure into one line and its exit code.
    static func mapping<Value>(_ body: () async throws(OCIError) -> Value) async throws(CLIError) -> Value {
        do {
            return try await body()
        } catch {
            throw CLIError(error)
        }
    }
}
