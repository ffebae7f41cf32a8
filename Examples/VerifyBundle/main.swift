import Foundation
import Sigstore

// verify-bundle TRUSTED_ROOT BUNDLE FILE IDENTITY ISSUER: exit 0 when BUNDLE is a signature over
// FILE by IDENTITY (the certificate's SAN, whole), whose token ISSUER issued, under TRUSTED_ROOT.
let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 5 else { exit(64) }
func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

do {
    let trustedRoot = try TrustedRoot(bytes: read(arguments[0]))
    let bundle = try SigstoreBundle(bytes: read(arguments[1]))
    let policy = IdentityPolicy(identity: .exact(arguments[3]), issuer: arguments[4])
    let run = VerificationRun(verifier: SignedEntityVerifier(trustedMaterial: trustedRoot), policy: .identity(policy))
    let report = await run.verify(bundle, artifact: .bytes(try read(arguments[2])))
    print(report.isVerified ? "verified" : "refused: \(report.failure ?? "")")
    exit(report.isVerified ? 0 : 1)
} catch {
    print("error: \(error)")
    exit(65)
}
