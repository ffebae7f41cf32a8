import ArgumentParser
import Foundation
import NetworkTransport
import Sigstore
import SigstoreSigning
import TUF
import TUFClient

/// How to sign: keyless (the identity token, the services) or with a managed key, and the
/// trusted root the services' answers are checked against. `sign` and `image sign` share them.
struct SigningOptions: ParsableArguments {
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

    /// Signs `managed()` with the managed key, or keyless `keyless(algorithm)` with a fresh key
    /// of the chosen algorithm; the content is made only once the signer and services are known.
    func sign(
        managed: () throws -> BundleSigner.Content,
        keyless: (EphemeralKey.Algorithm) throws -> BundleSigner.Content
    ) async throws -> SignedBundle {
        let (root, _) = try await trust.source.load()
        let transport = HTTPClientTransport(idleTimeout: 30, transferTimeout: 120)
        let signer = BundleSigner(trustedRoot: root, signingConfig: try await loadSigningConfig(), transport: transport)
        if key != nil || pkcs11 != nil {
            let keySigner = try CeremonyCommand.loadSigner(
                key: key,
                pkcs11: pkcs11,
                rsaPadding: rsaPadding.flatMap(InMemorySigner.RSAPadding.init(rawValue:)) ?? .pss
            )
            let content = try managed()
            return try await SignCommand.outcome { () async throws(SigningError) in try await signer.sign(content, with: keySigner) }
        }
        let token = try await loadToken(transport)
        let algorithm = signingAlgorithm.flatMap(EphemeralKey.Algorithm.init(rawValue:)) ?? .ecdsaP256
        let content = try keyless(algorithm)
        return try await SignCommand.outcome { () async throws(SigningError) in
            try await signer.signKeyless(content, token: token, algorithm: algorithm)
        }
    }

    /// The identity token: given, in a file, or from the environment.
    func loadToken(_ transport: some HTTPTransport) async throws -> IdentityToken {
        if let identityToken { return try await SignCommand.outcome { () throws(SigningError) in try IdentityToken(identityToken) } }
        if let identityTokenFile {
            let text = String(decoding: try readFile(identityTokenFile, limit: 64 * 1024), as: UTF8.self)
            return try await SignCommand.outcome { () throws(SigningError) in try IdentityToken(text) }
        }
        let ambient = try await SignCommand.outcome { () async throws(SigningError) in
            try await AmbientCredentials.detect(transport: transport)
        }
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
