import Foundation
import TUF
import TestSupport
import Testing

/// Runs the key holders' playbook (ceremony/PLAYBOOK.md): every `sh` block, in order, in one
/// shell, with the built `trustroot` first on the PATH and SoftHSM2 standing in for the tokens.
/// A command the tool no longer accepts fails this test, so the playbook cannot drift.
@Suite("Key holders' playbook")
struct PlaybookTests {
    static let source = Python.interopDirectory.deletingLastPathComponent().deletingLastPathComponent()

    /// The blocks of a Markdown document whose opening fence is exactly `fence`, in order.
    static func shellBlocks(_ markdown: String, fence: String = "```sh") -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == fence {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    /// Runs `blocks` in order in one bash shell in `folder`, with the built `trustroot` first on
    /// the PATH and `environment` added: the first failing command stops it, and each command
    /// is echoed before it runs, so a failure names it.
    static func run(_ blocks: [String], in folder: TemporaryDirectory, environment: [String: String]) async throws
        -> Subprocess.Outcome
    {
        let script = "set -euo pipefail\ncd \"$BLOCKS_DIR\"\nset -x\n" + blocks.joined(separator: "\n") + "\n"
        return try await Subprocess.run(
            command: ["bash", "-c", script],
            environment: environment.merging([
                "PATH": TrustRootBinary.url.deletingLastPathComponent().path + ":"
                    + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                "BLOCKS_DIR": folder.path,
            ]) { $1 }
        )
    }

    @Test func everyCommandOfThePlaybookRuns() async throws {
        guard case .success(let token) = SoftHSM.shared else {
            Issue.record("SoftHSM2 is needed: \(SoftHSM.shared)")
            return
        }
        let markdown = try String(contentsOf: Self.source.appendingPathComponent("ceremony/PLAYBOOK.md"), encoding: .utf8)
        let blocks = Self.shellBlocks(markdown)
        #expect(blocks.count >= 10)
        let folder = try TemporaryDirectory()
        let outcome = try await Self.run(
            blocks,
            in: folder,
            environment: [
                "TRUSTROOT_SRC": Self.source.path,
                "TRUSTROOT_KEY_PASSPHRASE": "playbook passphrase",
                "TRUSTROOT_PKCS11_PIN": token.pin, "SOFTHSM2_CONF": token.environment["SOFTHSM2_CONF"]!,
                "PKCS11_MODULE": SoftHSM.module,
                "BOB_TOKEN": token.tokenLabel, "BOB_KEY_ID": "01",
                "CAROL_TOKEN": token.tokenLabel, "CAROL_KEY_ID": "02",
            ]
        )
        #expect(outcome.status == 0, "the playbook stopped:\n\(outcome.errors.suffix(3000))")
        // What the playbook promises: a repository clients follow to root v2, whose trusted
        // root is the one the coordinator published.
        #expect(FileManager.default.fileExists(atPath: folder.file("repository/metadata/2.root.json").path))
        #expect(outcome.output.contains("published root v1, targets v1, snapshot v1, timestamp v1 to repository"))
        #expect(outcome.output.contains("published root v2, targets v2, snapshot v3, timestamp v4 to repository"))
        let root = try Metadata<Root>(bytes: try folder.read("client-check/metadata/root.json"))
        #expect(root.signed.version == 2)
        // Step 8: the delegation is published, and a release carol added reaches the client.
        #expect(
            outcome.output.contains("published targets v3, releases v1, snapshot v4, timestamp v5 to repository"),
            "\(outcome.output.suffix(2000))"
        )
        #expect(try folder.read("got-app-1.0.txt") == Array("release 1.0\n".utf8))
        #expect(outcome.output.contains("  releases (from targets) v2, expires "))
    }
}
