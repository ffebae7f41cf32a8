import Foundation
import TUF
import TestSupport
import Testing

/// Runs the built `trustroot` binary as a user would, and checks output and exit codes.
@Suite("trustroot command line")
struct CLITests {
    func run(_ arguments: [String]) async throws -> TrustRootBinary.Outcome {
        try await TrustRootBinary.run(arguments)
    }

    /// A root (2 of 2) and targets metadata signed by one of its keys, written to a folder.
    func repository() throws -> (URL, [InMemorySigner]) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "trustroot-cli-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let signers = try [
            InMemorySigner(generating: .ed25519), InMemorySigner(generating: .ecdsaP256),
        ]
        let ids = signers.map(\.publicKey.keyID)
        let expires = MetadataDate.parse("2099-01-01T00:00:00Z")!
        var root = Metadata(
            signed: Root(
                expires: expires,
                keys: Dictionary(uniqueKeysWithValues: signers.map { ($0.publicKey.keyID, $0.publicKey) }),
                roles: [
                    "root": Role(keyIDs: ids, threshold: 2), "timestamp": Role(keyIDs: ids, threshold: 1),
                    "snapshot": Role(keyIDs: ids, threshold: 1), "targets": Role(keyIDs: ids, threshold: 2),
                ]
            )
        )
        for signer in signers { try root.sign(with: signer) }
        var targets = Metadata(signed: Targets(expires: expires))
        try targets.sign(with: signers[0])
        try Data(root.encoded()).write(to: folder.appendingPathComponent("root.json"))
        try Data(targets.encoded()).write(to: folder.appendingPathComponent("targets.json"))
        return (folder, signers)
    }

    @Test func printsVersionAndHelp() async throws {
        #expect(try await run(["--version"]).stdout == "0.1.0\n")
        for command in [
            ["--help"], ["metadata", "--help"], ["metadata", "verify", "--help"],
            ["metadata", "show", "--help"], ["metadata", "canonical", "--help"],
        ] {
            let outcome = try await run(command)
            #expect(outcome.status == 0)
            #expect(outcome.stdout.contains("USAGE:"), "\(command)")
        }
    }

    /// Every command's help, from the definitions the man page plugin reads
    /// (`--experimental-dump-help`): it prints, and no literal backslash or broken wrap from a
    /// multi-line string shows in it; the completion scripts name every top-level command.
    @Test func everyCommandHasCleanHelpAndCompletions() async throws {
        let dump = try await run(["--experimental-dump-help"])
        #expect(dump.status == 0)
        let tree = try #require(try JSONParser().parse(Array(dump.stdout.utf8)).objectValue?["command"])
        func commands(_ node: JSONValue, _ path: [String]) -> [[String]] {
            let name = node.objectValue?["commandName"]?.stringValue ?? ""
            let here = path.isEmpty ? [] : path + [name]
            let children = node.objectValue?["subcommands"]?.arrayValue ?? []
            return [here] + children.flatMap { commands($0, path.isEmpty ? [name] : here) }
        }
        let all = commands(tree, []).map { Array($0.dropFirst()) }.filter { $0.first != "help" }
        #expect(all.count > 30)
        #expect(all.contains(["repo", "check"]) && all.contains(["client", "status"]))
        for command in all {
            let help = try await run(command + ["--help"])
            #expect(help.status == 0, "\(command)")
            #expect(help.stdout.contains("USAGE:"), "\(command)")
            #expect(!help.stdout.contains("\\"), "\(command) help shows a backslash: \(help.stdout)")
        }
        for shell in ["bash", "zsh", "fish"] {
            let script = try await run(["--generate-completion-script", shell])
            #expect(script.status == 0)
            for top in ["metadata", "client", "key", "ceremony", "repo", "sign", "verify", "inspect"] {
                #expect(script.stdout.contains(top), "\(shell) completion lacks \(top)")
            }
        }
    }

    /// The README's exit codes, one command line each, across commands: 64 for what an option
    /// or argument cannot be, 65 for input that is not what it should be, 66 for input that is
    /// not there, 69 for a network failure, 74 for a file that cannot be written, 1 for a refusal.
    @Test func everyDocumentedExitCode() async throws {
        let folder = try TemporaryDirectory()
        try folder.write("garbage.json", Array("{not json".utf8))
        try folder.write("empty", [])
        let missing = folder.file("missing").path
        let garbage = folder.file("garbage.json").path
        let (repositoryFolder, _) = try repository()
        defer { try? FileManager.default.removeItem(at: repositoryFolder) }
        let rootFile = repositoryFolder.appendingPathComponent("root.json").path
        let cases: [(arguments: [String], code: Int32)] = [
            (["client", "refresh", "--timeout", "0", "--cache", missing], 64),
            (["client", "init", "--repo", "file:///x", "--root", rootFile, "--pin-root-version", "0", "--cache", missing], 64),
            (["repo", "check", missing, "--within", "-1"], 64),
            (["verify", "--bundle", garbage, "--key", garbage, "sha512:abc"], 64),
            (["metadata", "show", garbage], 65),
            (["inspect", garbage], 65),
            (["client", "init", "--repo", "file:///x", "--root", garbage, "--cache", folder.file("c65").path], 65),
            (["metadata", "show", missing], 66),
            (["ceremony", "status", missing], 66),
            (["ceremony", "verify", folder.path], 66),
            (["client", "status", "--cache", missing], 66),
            (["repo", "check", missing], 66),
            (["key", "show", missing], 66),
            (
                [
                    "verify", "--bundle", missing, "--key", garbage, "--trusted-root", garbage,
                    "sha256:" + String(repeating: "0", count: 64),
                ], 65
            ),
            (["metadata", "verify", repositoryFolder.appendingPathComponent("targets.json").path, "--root", rootFile], 1),
        ]
        for (arguments, code) in cases {
            let outcome = try await run(arguments)
            #expect(outcome.status == code, "\(arguments): \(outcome.stderr)")
            #expect(outcome.stderr.split(separator: "\n").count >= 1)
            if code != 64 { #expect(outcome.stderr.split(separator: "\n").count == 1, "\(arguments): not one line: \(outcome.stderr)") }
        }

        // A missing path is named once.
        let noRepository = try await run(["repo", "check", missing])
        #expect(noRepository.stderr.hasPrefix("trustroot: \(missing): missing: give the folder "), "\(noRepository.stderr)")

        // 69: nothing listens on port 9.
        let cache = folder.file("c69").path
        #expect(
            try await run(["client", "init", "--repo", "http://127.0.0.1:9/metadata", "--root", rootFile, "--cache", cache]).status == 0
        )
        let unreachable = try await run(["client", "refresh", "--cache", cache])
        #expect(unreachable.status == 69, "\(unreachable.stderr)")
        // 74: the key file's folder does not exist.
        let unwritable = try await TrustRootBinary.run(
            ["key", "generate", "--type", "ed25519", "--out", folder.file("no/such/folder/k.key").path],
            environment: ["TRUSTROOT_KEY_PASSPHRASE": "exit code test"]
        )
        #expect(unwritable.status == 74, "\(unwritable.stderr)")
    }

    @Test func verifiesAndReportsAMissingSignature() async throws {
        let (folder, signers) = try repository()
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = folder.appendingPathComponent("root.json").path
        let targets = folder.appendingPathComponent("targets.json").path

        let good = try await run(["metadata", "verify", root, "--root", root])
        #expect(good.status == 0)
        #expect(good.stdout.contains("root: 2 of 2 required signatures"))

        let short = try await run(["metadata", "verify", targets, "--root", root, "--json"])
        #expect(short.status == 1)
        #expect(short.stdout.contains("\"satisfied\": false"))
        #expect(short.stdout.contains(signers[1].publicKey.keyID))
        #expect(
            short.stderr
                == "trustroot: \(targets): targets: 1 of 2 required signatures (missing: \(signers[1].publicKey.keyID))\n"
        )
    }

    @Test func canonicalBytesAreWhatIsSigned() async throws {
        let (folder, _) = try repository()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("root.json").path
        let metadata = try Metadata<Root>(
            bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        )
        await #expect(
            try run(["metadata", "canonical", path]).stdout
                == String(decoding: metadata.signedBytes, as: UTF8.self)
        )
        let show = try await run(["metadata", "show", path])
        #expect(
            show.stdout.hasPrefix(
                "root version 1 (spec 1.0.31), expires 2099-01-01T00:00:00Z, 2 signature(s)\n"
            )
        )
    }

    @Test func badInputGivesOneLineAndADistinctExitCode() async throws {
        let (folder, _) = try repository()
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = folder.appendingPathComponent("root.json").path
        let bad = folder.appendingPathComponent("bad.json")
        try Data(#"{"signed": {"_type": "root", "version": 1.5}, "signatures": []}"#.utf8).write(
            to: bad
        )
        let before = try Data(contentsOf: URL(fileURLWithPath: root))

        let invalid = try await run(["metadata", "show", bad.path])
        #expect(invalid.status == 65)
        #expect(
            invalid.stderr
                == "trustroot: \(bad.path): invalid JSON: number with a fraction or exponent (only integers are allowed) at byte 40\n"
        )

        let missing = try await run(["metadata", "show", folder.appendingPathComponent("absent.json").path])
        #expect(missing.status == 66)
        #expect(missing.stderr.hasSuffix("absent.json: cannot read: no such file or not accessible\n"))

        let usage = try await run(["metadata", "verify", root])
        #expect(usage.status == 64)

        let wrongRole = try await run(["metadata", "verify", root, "--root", root, "--role", "nobody"])
        #expect(wrongRole.status == 1)
        #expect(wrongRole.stderr.contains("root has no role \"nobody\""))

        // Nothing the command read was changed.
        #expect(try Data(contentsOf: URL(fileURLWithPath: root)) == before)
    }

    @Test func controlCharactersInNamesAreEscapedInMessages() async throws {
        let outcome = try await run(["metadata", "show", "/nonexistent/root.json\ntrustroot: verified\u{1B}[2J"])
        #expect(outcome.status == 66)
        #expect(outcome.stderr.split(separator: "\n").count == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("root.json\\ntrustroot: verified\\u{1b}[2J"), "\(outcome.stderr)")
    }

    @Test func malformedClaimsAreUsageErrorsNotCrashes() async throws {
        for claim in ["12=", "=5", "x=1", "99999=a", "0=a", "12"] {
            let outcome = try await run([
                "verify", "--bundle", "/nonexistent.json", "--certificate-identity", "a", "--certificate-oidc-issuer", "b",
                "--claim", claim, "/nonexistent",
            ])
            #expect(outcome.status == 64, "\(claim): \(outcome.status) \(outcome.stderr)")
            #expect(outcome.stderr.contains("--claim must be NUMBER=VALUE"), "\(claim): \(outcome.stderr)")
        }
    }
}
