import ArgumentParser
import Foundation
import Sigstore
import SigstoreSigning
import TUF
import TUFClient

/// `trustroot sign`: sign an artifact (or an in-toto statement) and write a Sigstore bundle.
struct SignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign an artifact, keyless through Fulcio and Rekor or with a managed key, and write a v0.3 bundle.",
        discussion: """
            Keyless: the identity token comes from --identity-token, --identity-token-file, $SIGSTORE_ID_TOKEN, or \
            GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN). The services come from --signing-config, from \
            --fulcio-url/--rekor-url/--tsa-url, or from the signing_config.v0.2.json a `trustroot client` refresh \
            fetched. Every answer is checked against the trusted root, and the bundle is verified before it is \
            written; on any failure nothing is written. Exit 0: written; 1: a service's answer did not verify; \
            65: bad input (token, key, configuration, statement); 66: a file is missing; 69: a service is \
            unreachable or answered with an error; 74: the bundle cannot be written.
            """
    )

    @Option(help: "Where to write the bundle (.sigstore.json).")
    var bundle: String

    @Flag(help: "The input is an in-toto statement: sign a DSSE envelope around it.")
    var inToto = false

    @Option(help: "The OIDC identity token.")
    var identityToken: String?

    @Option(help: "A file holding the OIDC identity token.")
    var identityTokenFile: String?

    @Option(help: "An encrypted key file (`trustroot key generate`) to sign with instead of a certificate.")
    var key: String?

    @Option(help: "A token key record (`trustroot key import-pkcs11`) to sign with instead of a certificate.")
    var pkcs11: String?

    @Option(help: "Keyless: the curve of the fresh signing key, ecdsa-p256 (default) or ecdsa-p384.")
    var signingAlgorithm: String?

    @Option(
        help:
            "With --key holding an RSA key: sign with pss (RSASSA-PSS, the default, as TUF key files do) or pkcs1v15 (what cosign and sigstore-go assume for an RSA key)."
    )
    var rsaPadding: String?

    @Option(help: "The signing config (protobuf-specs SigningConfig v0.2) naming the services.")
    var signingConfig: String?

    @Option(help: "The Fulcio URL (instead of a signing config).")
    var fulcioUrl: String?

    @Option(help: "The Rekor URL (instead of a signing config).")
    var rekorUrl: String?

    @Option(help: "The Rekor API major version at --rekor-url: 1 or 2.")
    var rekorVersion = 1

    @Option(help: "The RFC 3161 timestamp authority's request URL (instead of a signing config).")
    var tsaUrl: String?

    @OptionGroup var trust: TrustedRootOptions

    @Argument(help: "The artifact to sign; with --in-toto, the statement.")
    var input: String

    func validate() throws {
        guard key == nil || pkcs11 == nil else { throw ValidationError("give --key or --pkcs11, not both") }
        if key != nil || pkcs11 != nil, identityToken != nil || identityTokenFile != nil {
            throw ValidationError("an identity token is for keyless signing; a managed key needs none")
        }
        guard identityToken == nil || identityTokenFile == nil else {
            throw ValidationError("give --identity-token or --identity-token-file, not both")
        }
        guard signingConfig == nil || (fulcioUrl == nil && rekorUrl == nil && tsaUrl == nil) else {
            throw ValidationError("give --signing-config or the service URLs, not both")
        }
        guard (fulcioUrl == nil && tsaUrl == nil) || rekorUrl != nil else {
            throw ValidationError("--fulcio-url and --tsa-url need --rekor-url")
        }
        guard rekorVersion == 1 || rekorVersion == 2 else { throw ValidationError("--rekor-version must be 1 or 2") }
        if let signingAlgorithm {
            guard key == nil, pkcs11 == nil else {
                throw ValidationError("--signing-algorithm is for keyless signing; a managed key has its own")
            }
            guard EphemeralKey.Algorithm(rawValue: signingAlgorithm) != nil else {
                throw ValidationError(
                    "--signing-algorithm must be one of \(EphemeralKey.Algorithm.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
        }
        if let rsaPadding {
            guard key != nil else { throw ValidationError("--rsa-padding is for an RSA key in a --key file") }
            guard InMemorySigner.RSAPadding(rawValue: rsaPadding) != nil else {
                throw ValidationError("--rsa-padding must be pss or pkcs1v15")
            }
        }
    }

    func run() async throws {
        // The input is read last: hashing a large artifact should not come before a missing
        // token or configuration is reported.
        let (root, _) = try await trust.source.load()
        let transport = HTTPClientTransport(idleTimeout: 30, transferTimeout: 120)
        let signer = BundleSigner(trustedRoot: root, signingConfig: try await loadSigningConfig(), transport: transport)
        let signed: SignedBundle
        if key != nil || pkcs11 != nil {
            let keySigner = try CeremonyCommand.loadSigner(
                key: key,
                pkcs11: pkcs11,
                rsaPadding: rsaPadding.flatMap(InMemorySigner.RSAPadding.init(rawValue:)) ?? .pss
            )
            // A managed key signs the artifact itself.
            let content = inToto ? try statement() : .artifact(try readFile(input, limit: 1 << 32, acceptingStreams: true))
            signed = try await Self.outcome { () async throws(SigningError) in try await signer.sign(content, with: keySigner) }
        } else {
            let token = try await loadToken(transport)
            let algorithm = signingAlgorithm.flatMap(EphemeralKey.Algorithm.init(rawValue:)) ?? .ecdsaP256
            // Keyless signing needs only the digest: hashed as a stream, an artifact of any size.
            let content = inToto ? try statement() : .artifactDigest(algorithm.hash, try digestOfFile(input, algorithm.hash))
            signed = try await Self.outcome { () async throws(SigningError) in
                try await signer.signKeyless(content, token: token, algorithm: algorithm)
            }
        }
        do {
            try AtomicFile.write(signed.bytes, to: URL(fileURLWithPath: bundle))
        } catch {
            throw CLIError(message: "\(bundle): \(error)", code: .ioError)
        }
        let who = signed.bundle.leafCertificate.flatMap { FulcioCertificate($0).identities.first } ?? "the managed key"
        print("signed \(input) as \(who); bundle written to \(bundle)")
    }

    /// The in-toto statement to sign.
    func statement() throws -> BundleSigner.Content { .inTotoStatement(try readFile(input, limit: 16 << 20)) }

    /// Runs a signing step, turning its error into one line and an exit code of its class.
    static func outcome<Value>(_ body: () async throws(SigningError) -> Value) async throws(CLIError) -> Value {
        do {
            return try await body()
        } catch {
            throw CLIError(error)
        }
    }

    /// The identity token: given, in a file, or from the environment.
    func loadToken(_ transport: some HTTPTransport) async throws -> IdentityToken {
        if let identityToken { return try await Self.outcome { () throws(SigningError) in try IdentityToken(identityToken) } }
        if let identityTokenFile {
            let text = String(decoding: try readFile(identityTokenFile, limit: 64 * 1024), as: UTF8.self)
            return try await Self.outcome { () throws(SigningError) in try IdentityToken(text) }
        }
        let ambient = try await Self.outcome { () async throws(SigningError) in try await AmbientCredentials.detect(transport: transport) }
        guard let ambient else {
            throw CLIError(
                message:
                    "no identity token: give --identity-token or --identity-token-file, set SIGSTORE_ID_TOKEN, or run in GitHub Actions with id-token: write",
                code: .invalidData
            )
        }
        return ambient
    }

    /// The services: the signing config given, the URLs given, or the client's refreshed config.
    func loadSigningConfig() async throws -> SigningConfig {
        if let rekorUrl {
            func url(_ text: String, _ flag: String) throws -> URL {
                guard let url = SigningConfig.serviceURL(text) else { throw ValidationError("\(flag) is not an http(s) URL: \(text)") }
                return url
            }
            return SigningConfig(
                certificateAuthority: try fulcioUrl.map { try url($0, "--fulcio-url") },
                transparencyLog: try url(rekorUrl, "--rekor-url"),
                transparencyLogVersion: rekorVersion,
                timestampAuthority: try tsaUrl.map { try url($0, "--tsa-url") }
            )
        }
        let path: String
        let bytes: [UInt8]
        if let signingConfig {
            path = signingConfig
            bytes = try readFile(path, limit: 1 << 20)
        } else if let refreshed = try await trust.source.clientTarget("signing_config.v0.2.json") {
            (bytes, path) = refreshed
        } else {
            throw CLIError(
                message:
                    "no signing config: give --signing-config or --rekor-url (and --fulcio-url), or set up a client whose repository lists signing_config.v0.2.json (`trustroot client init`, `trustroot client refresh`)",
                code: .invalidData
            )
        }
        do {
            return try SigningConfig(bytes: bytes)
        } catch {
            throw CLIError(message: "\(path): \(error)", code: .invalidData)
        }
    }
}

extension CLIError {
    /// A signing error, with the exit code of its class.
    init(_ error: SigningError) {
        message = error.description
        if error.isServiceUnavailable {
            code = .networkError
        } else {
            switch error.step {
            case .configuration, .input, .identityToken, .key: code = .invalidData
            case .certificateAuthority, .transparencyLog, .timestampAuthority, .verification: code = .verificationFailed
            }
        }
    }
}
