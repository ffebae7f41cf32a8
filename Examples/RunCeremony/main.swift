import Ceremony
import Foundation
import TUF

// run-ceremony CONFIG WORKSPACE REPOSITORY ONLINE_KEY HOLDER=KEY_FILE...: a whole ceremony in one
// program: propose what CONFIG declares, have each holder sign with their encrypted key file,
// and publish the repository with a snapshot and timestamp the online key signs. The key files'
// passphrase is $CEREMONY_PASSPHRASE.
let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 5, let passphrase = ProcessInfo.processInfo.environment["CEREMONY_PASSPHRASE"] else { exit(64) }
func key(_ path: String) throws -> EncryptedKeyFileSigner {
    try EncryptedKeyFileSigner(pemEncoded: String(contentsOfFile: path, encoding: .utf8), passphrase: Array(passphrase.utf8))
}

do {
    let config = URL(fileURLWithPath: arguments[0])
    let (workspace, _) = try Workspace.create(
        at: URL(fileURLWithPath: arguments[1]),
        configuration: Array(try Data(contentsOf: config)),
        configDirectory: config.deletingLastPathComponent(),
        holder: "coordinator"
    )
    // Each signature is a step of its own in the workspace's transcript, signed by the key that
    // made it, as when every holder signs a copy on an air-gapped machine.
    for holderAndKey in arguments.dropFirst(4) {
        let parts = holderAndKey.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { exit(64) }
        let signer = try key(parts[1])
        var proposal = try workspace.proposal()
        guard let keyID = try proposal.sign(with: signer).first?.keyIDs.first else {
            print("refused: \(parts[0])'s key signs no proposed role")
            exit(1)
        }
        try workspace.save(proposal, step: "sign", holder: parts[0], signer: (signer, keyID: keyID))
    }
    // Refused unless every role has its threshold of signatures and clients of every earlier
    // root would accept the new one.
    let timestamp = try workspace.publish(to: URL(fileURLWithPath: arguments[2]), online: try key(arguments[3]), holder: "coordinator")
    print("published snapshot version \(timestamp.signed.snapshotMeta.version) to \(arguments[2])")
} catch {
    print("refused: \(error)")
    exit(1)
}
