import ArgumentParser
import Foundation
import Logging
import Sigstore
import TUF
import TUFClient

/// `trustroot verify`: check a Sigstore bundle for an artifact against an identity or a key.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a Sigstore bundle for an artifact: who signed it, checked end to end against a trusted root.",
        discussion: """
            The trusted root is, in order: --trusted-root FILE; the trusted_root.json a `trustroot client` refresh \
            fetched (in --cache; a client without it is refused, never replaced by another root); with no client, \
            the one TrustRoot ships for Sigstore's public-good instance (with a warning). \
            Exit 0: verified; 1: a check failed (named on standard error), or with --online the log does not hold the entry \
            or forked; 65: the bundle or trusted root (or with --online, a log's answer) is malformed; 66: --online found \
            no entry; 69: --online could not reach the log.
            """
    )

    @Option(help: "The bundle (.sigstore.json).")
    var bundle: String?

    @Option(
        help:
            "A file of lines `BUNDLE<TAB>ARTIFACT` (or sha256:, sha384:, sha512: and the hex digest) to verify under one policy, spread over all cores."
    )
    var batch: String?

    @Option(help: "The signer's identity (SAN: email, URI), exactly.")
    var certificateIdentity: String?

    @Option(help: "A regular expression the whole signer identity must match.")
    var certificateIdentityRegexp: String?

    @Option(help: "The OIDC issuer the certificate must name, exactly.")
    var certificateOidcIssuer: String?

    @Option(name: .customLong("claim"), help: "A further Fulcio claim: NUMBER=VALUE for extension 1.3.6.1.4.1.57264.1.NUMBER (repeatable).")
    var claims: [String] = []

    @Option(help: "For DSSE bundles: the in-toto predicate type the statement must have.")
    var predicateType: String?

    @Option(help: "A PEM public key, for bundles signed with a managed key.")
    var key: String?

    @Option(
        help:
            "The --key's scheme by protobuf-specs' name, such as PKIX_RSA_PSS_3072_SHA256 (an RSA key alone is taken as PKCS#1 v1.5 with SHA-256)."
    )
    var keyDetails: String?

    @Option(help: "How many transparency-log entries must verify (default: 1, or 0 for a trusted root with no logs).")
    var minLogEntries: Int?

    @Option(help: "How many RFC 3161 timestamps must verify (default: 0, or 1 for a trusted root with no logs).")
    var minTimestamps: Int?

    @Option(help: "How many SCTs from distinct trusted CT logs the certificate must carry (default: 1, or 0 for a root with no CT logs).")
    var minScts: Int?

    @OptionGroup var trust: TrustedRootOptions

    @Flag(help: "Print the outcome of every check as JSON.")
    var json = false

    @Flag(
        help:
            "After the bundle verifies, fetch each of its log entries from its log and prove it is in the log's current checkpoint, which extends the bundle's."
    )
    var online = false

    @Argument(help: "The artifact, or its digest: sha256:HEX, sha384:HEX or sha512:HEX.")
    var artifact: String?

    /// What the command line asks for, as a plain value.
    var request: VerifyRequest {
        VerifyRequest(
            bundle: bundle,
            batch: batch,
            certificateIdentity: certificateIdentity,
            certificateIdentityRegexp: certificateIdentityRegexp,
            certificateOidcIssuer: certificateOidcIssuer,
            claims: claims,
            predicateType: predicateType,
            key: key,
            keyDetails: keyDetails,
            minimumLogEntries: minLogEntries,
            minimumTimestamps: minTimestamps,
            minimumSCTs: minScts,
            trust: trust.source,
            json: json,
            online: online,
            artifact: artifact
        )
    }

    func validate() throws {
        do {
            try request.validate()
        } catch let error as VerifyRequest.UsageError {
            throw ValidationError(error.message)
        }
    }

    func run() async throws {
        try await request.run()
    }
}
