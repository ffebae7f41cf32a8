import Foundation
import NetworkTransport
import Plumbing
import Sigstore
import SigstoreSigning

// sign-blob TRUSTED_ROOT SIGNING_CONFIG TOKEN_FILE FILE BUNDLE: sign FILE keyless, as the
// identity in the OIDC token, with the services SIGNING_CONFIG names, and write the bundle.
let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 5 else { exit(64) }
func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

do {
    let signer = BundleSigner(
        trustedRoot: try TrustedRoot(bytes: read(arguments[0])),
        signingConfig: try SigningConfig(bytes: read(arguments[1])),
        transport: HTTPClientTransport()
    )
    let token = try IdentityToken(String(decoding: try read(arguments[2]), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    // A fresh key, certified by the CA for the token's identity, signs; the log entry and the
    // timestamps are checked against the trusted root before the bundle is returned.
    let signed = try await signer.signKeyless(.artifact(read(arguments[3])), token: token)
    try Data(signed.bytes).write(to: URL(fileURLWithPath: arguments[4]))
    print("signed as \(token.identity): \(arguments[4])")
} catch {
    print("refused: \(error)")
    exit(1)
}
