// The sigstore-conformance suite's client (docs/cli_protocol.md), over the Sigstore modules:
//   verify-bundle [--staging] --bundle B (--certificate-identity I --certificate-oidc-issuer O | --key K)
//                 [--trusted-root T] FILE_OR_sha256:DIGEST
//   sign-bundle [--staging] [--in-toto] --identity-token TOKEN --bundle B [--trusted-root T]
//               [--signing-config S] FILE
// Exit 0: verified or signed; 1: refused (the failing check or step on standard error); 2: bad usage.
import Foundation
import NetworkTransport
import Sigstore
import SigstoreSigning
import TUFClient

func fail(_ message: String, code: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("sigstore-conformance-client: \(message)\n".utf8))
    exit(code)
}

func read(_ path: String) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    return Array(data)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else { fail("usage: verify-bundle … | sign-bundle …", code: 2) }
arguments.removeFirst()
guard command == "verify-bundle" || command == "sign-bundle" else { fail("\(command) is not supported", code: 2) }

var options: [String: String] = [:]
var staging = false
var inToto = false
var positional: [String] = []
var index = 0
while index < arguments.count {
    let argument = arguments[index]
    if argument == "--staging" {
        staging = true
    } else if argument == "--in-toto" {
        inToto = true
    } else if argument.hasPrefix("--") {
        guard index + 1 < arguments.count else { fail("\(argument) needs a value", code: 2) }
        options[argument] = arguments[index + 1]
        index += 1
    } else {
        positional.append(argument)
    }
    index += 1
}
guard let bundlePath = options["--bundle"], positional.count == 1 else { fail("usage: \(command) --bundle B … FILE", code: 2) }

let input = positional[0]

/// `--trusted-root`, else the shipped public-good (or staging) trusted root.
@MainActor func loadTrustedRoot() throws -> TrustedRoot {
    try options["--trusted-root"].map { try TrustedRoot(bytes: read($0)) }
        ?? (staging ? KnownTrustedRoot.staging : KnownTrustedRoot.production).trustedRoot()
}

if command == "sign-bundle" {
    guard let token = options["--identity-token"] else { fail("sign-bundle needs --identity-token", code: 2) }
    do {
        let trustedRoot = try loadTrustedRoot()
        // Without a signing config, the public-good instance's services (as its signing config names them).
        let signingConfig =
            try options["--signing-config"].map { try SigningConfig(bytes: read($0)) }
            ?? (staging
                ? SigningConfig(
                    certificateAuthority: URL(string: "https://fulcio.sigstage.dev"),
                    transparencyLog: URL(string: "https://rekor.sigstage.dev")!,
                    timestampAuthority: URL(string: "https://timestamp.sigstage.dev/api/v1/timestamp")
                )
                : SigningConfig(
                    certificateAuthority: URL(string: "https://fulcio.sigstore.dev"),
                    transparencyLog: URL(string: "https://rekor.sigstore.dev")!,
                    timestampAuthority: URL(string: "https://timestamp.sigstore.dev/api/v1/timestamp")
                ))
        let signer = BundleSigner(trustedRoot: trustedRoot, signingConfig: signingConfig, transport: HTTPClientTransport())
        let content: BundleSigner.Content = inToto ? .inTotoStatement(read(input)) : .artifact(read(input))
        let signed = try await signer.signKeyless(content, token: try IdentityToken(token))
        try AtomicFile.write(signed.bytes, to: URL(fileURLWithPath: bundlePath))
        print("signed")
    } catch {
        fail("\(error)")
    }
    exit(0)
}

let artifact: BundleVerifier.Artifact
do {
    if !FileManager.default.fileExists(atPath: input), let digest = try BundleVerifier.Artifact(digestArgument: input) {
        artifact = digest
    } else {
        artifact = .bytes(read(input))
    }
} catch {
    fail("\(error)")
}

do {
    let trustedRoot = try loadTrustedRoot()
    let bundle = try SigstoreBundle(bytes: read(bundlePath))
    let policy: BundleVerifier.Policy
    if let keyPath = options["--key"] {
        policy = .key(try VerificationKey(pem: String(decoding: read(keyPath), as: UTF8.self)))
    } else if let identity = options["--certificate-identity"], let issuer = options["--certificate-oidc-issuer"] {
        policy = .identity(IdentityPolicy(identity: .exact(identity), issuer: issuer))
    } else {
        fail("give --key, or --certificate-identity and --certificate-oidc-issuer", code: 2)
    }
    try await SignedEntityVerifier(trustedMaterial: trustedRoot).verify(bundle, artifact: artifact, policy: policy)
    print("verified")
} catch {
    fail("\(error)")
}
