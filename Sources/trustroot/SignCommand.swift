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

    @OptionGroup var signing: SigningOptions

    @Argument(help: "The artifact to sign; with --in-toto, the statement.")
    var input: String

    func run() async throws {
        // The input is read last: hashing a large artifact should not come before a missing
        // token or configuration is reported.
        let signed = try await signing.sign(
            managed: { inToto ? try statement() : .artifact(try readFile(input, limit: 1 << 32, acceptingStreams: true)) },
            // Keyless signing needs only the digest: hashed as a stream, an artifact of any size.
            keyless: { algorithm in inToto ? try statement() : .artifactDigest(algorithm.hash, try digestOfFile(input, algorithm.hash)) }
        )
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
