import Ceremony
import Foundation
import TUF
import TUFClient
import TestSupport
import Testing

/// Online maintenance with `trustroot repo` of a repository a ceremony published.
@Suite("trustroot repo")
struct RepoCLITests {
    /// `repo check` reports every role's expiry and fails when one is due; a refusal over an
    /// expired role says what renews it.
    @Test func checkReportsExpiryAndRefusalsSayWhatToRun() async throws {
        let ceremony = try await CeremonyRefusalTests().proposedCeremony()
        let folder = ceremony.folder
        try await ceremony.sign(["alice.key", "bob.key", "carol.key", "dave.key"])
        let online = ["--online-key", folder.file("keys/online.key").path]
        let published = try await ceremony.ceremony(["publish", ceremony.workspace, "--out", ceremony.repository] + online)
        #expect(published.status == 0, "\(published.stderr)")
        let metadata = try FileManager.default.contentsOfDirectory(atPath: folder.file("repo/metadata").path).sorted()

        let fresh = try await TrustRootBinary.run(["repo", "check", ceremony.repository])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        let lines = fresh.stdout.split(separator: "\n")
        #expect(
            lines.first?.hasPrefix("root v1 expires ") == true && lines.first?.hasSuffix("signing period 60 days): ok") == true,
            "\(fresh.stdout)"
        )
        #expect(lines.contains { $0.hasPrefix("timestamp v1 ") && $0.hasSuffix("signing period 12 hours): ok") }, "\(fresh.stdout)")
        #expect(lines.allSatisfy { $0.hasSuffix(": ok") })

        let within = try await TrustRootBinary.run(["repo", "check", ceremony.repository, "--within", "400", "--json"])
        #expect(within.status == 1)
        #expect(within.stderr.contains("due for renewal: root (trustroot ceremony propose WORKSPACE --root)"), "\(within.stderr)")
        let report = try #require(try JSONParser().parse(Array(within.stdout.utf8)).objectValue)
        #expect(report["due"] == true)
        #expect(report["roles"]?.arrayValue?.allSatisfy { $0.objectValue?["due"] == true } == true)

        // Eight days on, snapshot (7 days) and timestamp (1 day) have expired.
        func later(_ arguments: [String]) async throws -> Subprocess.Outcome {
            try await Subprocess.finish(
                try Subprocess.start(
                    URL(fileURLWithPath: "/usr/bin/faketime"),
                    ["-f", "+8d", TrustRootBinary.url.path] + arguments,
                    environment: CeremonyEndToEndTests.environment
                ),
                within: 60
            ).0
        }
        let expired = try await later(["repo", "check", ceremony.repository])
        #expect(expired.status == 1)
        #expect(
            expired.output.contains("snapshot v1 expires ") && expired.output.contains("EXPIRED: trustroot repo snapshot"),
            "\(expired.output)"
        )
        let timestamp = try await later(["repo", "timestamp", ceremony.repository] + online)
        #expect(timestamp.status == 1)
        #expect(timestamp.errors.contains("snapshot: expired on "), "\(timestamp.errors)")
        #expect(timestamp.errors.hasSuffix(": run `trustroot repo snapshot REPO --online-key KEY` (it signs a new timestamp too)\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("repo/metadata").path).sorted() == metadata)
        let renewed = try await later(["repo", "snapshot", ceremony.repository] + online)
        #expect(renewed.status == 0, "\(renewed.errors)")
        #expect(try await later(["repo", "check", ceremony.repository]).status == 0)
    }

    @Test func renewsAndChangesTargetsAndClientsFollow() async throws {
        let ceremony = try await CeremonyRefusalTests().proposedCeremony()
        let folder = ceremony.folder
        try await ceremony.sign(["alice.key", "bob.key", "carol.key", "dave.key"])
        let published = try await ceremony.ceremony(
            ["publish", ceremony.workspace, "--out", ceremony.repository, "--online-key", folder.file("keys/online.key").path]
        )
        #expect(published.status == 0, "\(published.stderr)")
        let online = ["--online-key", folder.file("keys/online.key").path]
        func repo(_ arguments: [String]) async throws -> TrustRootBinary.Outcome {
            try await TrustRootBinary.run(["repo"] + arguments, environment: CeremonyEndToEndTests.environment)
        }

        let timestamp = try await repo(["timestamp", ceremony.repository, "--expires-days", "2"] + online)
        #expect(timestamp.status == 0, "\(timestamp.stderr)")
        #expect(timestamp.stdout.hasPrefix("timestamp v2, expires "))
        let snapshot = try await repo(["snapshot", ceremony.repository] + online)
        #expect(snapshot.stdout.hasPrefix("snapshot v2, expires ") && snapshot.stdout.hasSuffix("; timestamp v3\n"))

        // Targets needs 2 of alice, bob, carol.
        try folder.write("hello.txt", Array("hello\n".utf8))
        let before = try FileManager.default.contentsOfDirectory(atPath: folder.file("repo/metadata").path).sorted()
        let one = try await repo(
            ["add-target", ceremony.repository, "hello.txt", folder.file("hello.txt").path, "--key", folder.file("keys/alice.key").path]
                + online
        )
        #expect(one.status == 1)
        #expect(one.stderr.contains("targets: 1 of 2 required signatures"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("repo/metadata").path).sorted() == before)
        let escape = try await repo(
            [
                "add-target", ceremony.repository, "../escape.txt", folder.file("hello.txt").path, "--key",
                folder.file("keys/alice.key").path,
                "--key", folder.file("keys/carol.key").path,
            ] + online
        )
        #expect(escape.status == 65)
        #expect(escape.stderr.contains("a target path must be relative"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("escape.txt").path))
        let added = try await repo(
            [
                "add-target", ceremony.repository, "hello.txt", folder.file("hello.txt").path, "--custom", #"{"note": "test"}"#, "--key",
                folder.file("keys/alice.key").path, "--key", folder.file("keys/carol.key").path,
            ] + online
        )
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout == "targets v2 lists hello.txt; snapshot v3, timestamp v4\n")
        let delegated = try await repo(
            [
                "add-target", ceremony.repository, "releases/2.txt", folder.file("hello.txt").path, "--role", "releases", "--key",
                folder.file("keys/dave.key").path,
            ]
                + online
        )
        #expect(delegated.stdout == "releases v2 lists releases/2.txt; snapshot v4, timestamp v5\n", "\(delegated.stderr)")

        // A new role for nightly builds, with its own key.
        try ceremony.fileKey("nightly", .ecdsaP256)
        let delegation = try await repo(
            [
                "delegate", ceremony.repository, "nightly", "--path", "nightly/*", "--role-key", folder.file("keys/nightly.key").path,
                "--key", folder.file("keys/bob.key").path, "--key", folder.file("keys/carol.key").path,
            ] + online
        )
        #expect(delegation.stdout == "targets v3 delegates nightly/* to nightly v1; snapshot v5, timestamp v6\n", "\(delegation.stderr)")
        let again = try await repo(
            [
                "delegate", ceremony.repository, "nightly", "--path", "x/*", "--role-key", folder.file("keys/nightly.key").path,
                "--key", folder.file("keys/bob.key").path, "--key", folder.file("keys/carol.key").path,
            ] + online
        )
        #expect(again.status == 1)
        #expect(again.stderr.hasSuffix("a role named nightly exists already, or the name is reserved: choose another name\n"))
        let nightly = try await repo(
            [
                "add-target", ceremony.repository, "nightly/n.txt", folder.file("hello.txt").path, "--role", "nightly", "--key",
                folder.file("keys/nightly.key").path,
            ]
                + online
        )
        #expect(nightly.stdout == "nightly v2 lists nightly/n.txt; snapshot v6, timestamp v7\n", "\(nightly.stderr)")

        // Our client and python-tuf see them.
        let server = try LoopbackServer(serving: folder.file("repo"))
        let metadataURL = server.baseURL.appendingPathComponent("metadata").absoluteString
        let targetsURL = server.baseURL.appendingPathComponent("targets").absoluteString
        let cache = folder.file("client").path
        let initClient = try await TrustRootBinary.run(
            [
                "client", "init", "--repo", metadataURL, "--targets-url", targetsURL, "--root",
                folder.file("repo/metadata/1.root.json").path, "--cache", cache,
            ]
        )
        #expect(initClient.status == 0, "\(initClient.stderr)")
        for target in ["releases/2.txt", "nightly/n.txt"] {
            let get = try await TrustRootBinary.run(["client", "get", target, "--cache", cache])
            #expect(get.stdout == "hello\n", "\(target): \(get.stderr)")
        }
        try FileManager.default.createDirectory(at: folder.file("python"), withIntermediateDirectories: true)
        _ = try await Python.run(
            "ngclient_get.py",
            [
                folder.file("repo/metadata/1.root.json").path, folder.file("python").path, metadataURL, targetsURL, "hello.txt",
                folder.file("py.txt").path,
            ]
        )
        #expect(try folder.read("py.txt") == Array("hello\n".utf8))

        let removed = try await repo(
            [
                "remove-target", ceremony.repository, "hello.txt", "--key", folder.file("keys/bob.key").path, "--key",
                folder.file("keys/carol.key").path,
            ]
                + online
        )
        #expect(removed.stdout == "targets v4 no longer lists hello.txt; snapshot v7, timestamp v8\n", "\(removed.stderr)")
        let gone = try await TrustRootBinary.run(["client", "get", "hello.txt", "--cache", cache])
        #expect(gone.status == 3)
        // Removing it again names what is missing, with the code for something missing.
        let removedAgain = try await repo(
            [
                "remove-target", ceremony.repository, "hello.txt", "--key", folder.file("keys/bob.key").path, "--key",
                folder.file("keys/carol.key").path,
            ]
                + online
        )
        #expect(removedAgain.status == 66, "\(removedAgain.stderr)")
        #expect(
            removedAgain.stderr.hasSuffix("no target hello.txt: `trustroot metadata show` on the role's metadata lists its targets\n"),
            "\(removedAgain.stderr)"
        )

        // The workspace still has targets v1: publishing a new root from it must not roll
        // targets back under clients that already have v3.
        let proposed = try await ceremony.ceremony(["propose", ceremony.workspace, "--root", "--targets"])
        #expect(proposed.status == 0, "\(proposed.stderr)")
        try await ceremony.sign(["alice.key", "bob.key", "carol.key", "dave.key"])
        let rollback = try await ceremony.ceremony(
            ["publish", ceremony.workspace, "--out", ceremony.repository, "--online-key", folder.file("keys/online.key").path]
        )
        #expect(rollback.status == 1)
        #expect(rollback.stderr.contains("the repository already serves releases v2; publishing v2 would look like a rollback"))
        #expect(try await TrustRootBinary.run(["client", "refresh", "--cache", cache]).status == 0)

        // A tampered repository is refused before anything is signed.
        let snapshotFile = "repo/metadata/7.snapshot.json"
        var bytes = try folder.read(snapshotFile)
        bytes[bytes.count / 2] ^= 1
        try folder.write(snapshotFile, bytes)
        let tampered = try await repo(["timestamp", ceremony.repository] + online)
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("a client would refuse the repository"))
    }
}
