import Foundation
import Sigstore
import SigstoreTUF
import TUFClient

// current-trusted-root CLIENT ROOT METADATA_URL TARGETS_URL: set up a client folder on first use
// (trusting ROOT), refresh it through TUF, and say what the current Sigstore trusted root holds.
let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 4, let metadataURL = URL(string: arguments[2]), let targetsURL = URL(string: arguments[3]) else {
    exit(64)
}

do {
    let layout = ClientLayout(arguments[0])
    let provider = TrustedRootProvider(layout: layout)
    if !provider.hasClient {
        // What `trustroot client init` does: the first root, and where the repository is.
        let root = Array(try Data(contentsOf: URL(fileURLWithPath: arguments[1])))
        try layout.metadataCache().bootstrap(rootBytes: root)
        try ClientSettings(metadataURL: metadataURL, targetsURL: targetsURL).save(layout)
    }
    let material = try await provider.currentTrustedMaterial(refreshing: true)
    let root = material.trustedRoot
    print("trusted root: \(material.trustedRootPath)")
    print("certificate authorities: \(root.certificateAuthorities.map(\.uri).joined(separator: ", "))")
    print("transparency logs: \(root.transparencyLogs.map(\.baseURL).joined(separator: ", "))")
    print("timestamp authorities: \(root.timestampAuthorities.count)")
    // `material` is trusted material: verify with it as with a TrustedRoot read from a file.
    _ = SignedEntityVerifier(trustedMaterial: material)
} catch {
    print("refused: \(error)")
    exit(1)
}
