// The sigstore-conformance suite's client (docs/cli_protocol.md), over the Sigstore module:
//   verify-bundle [--staging] --bundle B (--certificate-identity I --certificate-oidc-issuer O | --key K)
//                 [--trusted-root T] FILE_OR_sha256:DIGEST
// Exit 0: verified; 1: refused (the failing check on standard error); 2: bad usage.
import Foundation
import Sigstore

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
guard command == "verify-bundle" else { fail("\(command) is not supported yet", code: 2) }

var options: [String: String] = [:]
var staging = false
var positional: [String] = []
var index = 0
while index < arguments.count {
    let argument = arguments[index]
    if argument == "--staging" {
        staging = true
    } else if argument.hasPrefix("--") {
        guard index + 1 < arguments.count else { fail("\(argument) needs a value", code: 2) }
        options[argument] = arguments[index + 1]
        index += 1
    } else {
        positional.append(argument)
    }
    index += 1
}
guard let bundlePath = options["--bundle"], positional.count == 1 else { fail("usage: verify-bundle --bundle B … FILE_OR_DIGEST", code: 2) }

let input = positional[0]
let artifact: BundleVerifier.Artifact
if let digest = BundleVerifier.Artifact.sha256Digest(input), !FileManager.default.fileExists(atPath: input) {
    artifact = .sha256(digest)
} else {
    artifact = .bytes(read(input))
}

do {
    let trustedRoot =
        try options["--trusted-root"].map { try TrustedRoot(bytes: read($0)) }
        ?? (staging ? KnownTrustedRoot.staging : KnownTrustedRoot.production).trustedRoot()
    let bundle = try SigstoreBundle(bytes: read(bundlePath))
    let policy: BundleVerifier.Policy
    if let keyPath = options["--key"] {
        policy = .key(try VerificationKey(pem: String(decoding: read(keyPath), as: UTF8.self)))
    } else if let identity = options["--certificate-identity"], let issuer = options["--certificate-oidc-issuer"] {
        policy = .identity(IdentityPolicy(identity: .exact(identity), issuer: issuer))
    } else {
        fail("give --key, or --certificate-identity and --certificate-oidc-issuer", code: 2)
    }
    try await BundleVerifier(trustedRoot: trustedRoot).verify(bundle, artifact: artifact, policy: policy)
    print("verified")
} catch let error as VerificationError {
    fail("\(error)")
} catch {
    fail("\(error)")
}
