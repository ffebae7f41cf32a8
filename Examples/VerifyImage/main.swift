import ContainerImage
import Foundation
import NetworkTransport
import OCI
import Plumbing
import Sigstore

// verify-image IMAGE TRUSTED_ROOT IDENTITY ISSUER: exit 0 when a Sigstore bundle attached to IMAGE
// in its registry signs the image's digest, by IDENTITY on ISSUER's token, under TRUSTED_ROOT.
let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 4 else { exit(64) }

do {
    let image = try ImageReference(arguments[0])
    let registry = try RegistryClient(
        registry: image.registry,
        transport: HTTPClientTransport(),
        credentials: try RegistryCredentials.fromDockerConfig(for: image.registry)
    )
    let trustedRoot = try TrustedRoot(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: arguments[1]))))
    let run = VerificationRun(
        verifier: SignedEntityVerifier(trustedMaterial: trustedRoot),
        policy: .identity(IdentityPolicy(identity: .exact(arguments[2]), issuer: arguments[3])),
        predicateType: ImageBundleFormat.signPredicateType
    )
    // The tag is resolved once; every bundle is then held to that digest.
    let report = try await ImageVerifier(registry: registry, run: run).verify(image)
    guard report.outcomes.contains(where: \.isVerified) else {
        let reasons = report.outcomes.compactMap { $0.failure ?? $0.report?.failure }
        print("refused: \(image.pinned(to: report.digest)): \(reasons.first ?? "no Sigstore bundle refers to the image")")
        exit(1)
    }
    print("verified: \(image.pinned(to: report.digest))")
} catch {
    print("refused: \(error)")
    exit(1)
}
