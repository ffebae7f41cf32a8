import Foundation
import TUF
import TestSupport
import Testing

/// `trustroot client …` against a python-tuf repository on loopback.
@Suite("trustroot client")
struct ClientCLITests {
    final class Fixture {
        let folder: TemporaryDirectory
        let server: LoopbackServer
        var cache: String { folder.file("client").path }

        init() async throws {
            folder = try TemporaryDirectory()
            _ = try await Python.run("tuf_repo.py", [folder.file("repo").path])
            server = try LoopbackServer(serving: folder.file("repo"))
        }

        var metadataURL: String { server.baseURL.appendingPathComponent("metadata").absoluteString }
        var targetsURL: String { server.baseURL.appendingPathComponent("targets").absoluteString }

        func initClient(_ extra: [String] = []) async throws -> TrustRootBinary.Outcome {
            try await TrustRootBinary.run(
                [
                    "client", "init", "--repo", metadataURL, "--targets-url", targetsURL, "--root", folder.file("repo/1.root.json").path,
                    "--cache", cache,
                ]
                    + extra
            )
        }

        func cacheFiles() throws -> [String: Data] {
            let metadata = folder.file("client/metadata")
            var files: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: metadata.path) where name.hasSuffix(".json") {
                files[name] = try Data(contentsOf: metadata.appendingPathComponent(name))
            }
            return files
        }
    }

    @Test func initRefreshGetAndStatus() async throws {
        let fixture = try await Fixture()
        #expect(try await fixture.initClient().status == 0)
        let refresh = try await TrustRootBinary.run(["client", "refresh", "--cache", fixture.cache])
        #expect(refresh.status == 0, "\(refresh.stderr)")
        #expect(refresh.stderr == "root v1 → v2\nroot v2 → v3\nroot v3 → v4\n")
        #expect(refresh.stdout.hasPrefix("root v4, timestamp v2, snapshot v2, targets v1 (trusted; root expires "))

        let output = fixture.folder.file("app.tar.gz").path
        let get = try await TrustRootBinary.run(["client", "get", "releases/app-1.0.tar.gz", "-o", output, "--cache", fixture.cache])
        #expect(get.status == 0, "\(get.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == Data(String(repeating: "app 1.0 contents\n", count: 100).utf8))
        let toStdout = try await TrustRootBinary.run(["client", "get", "trusted_root.json", "--cache", fixture.cache])
        #expect(toStdout.stdout == "{\"mediaType\": \"test trusted root\"}\n")

        let status = try await TrustRootBinary.run(["client", "status", "--cache", fixture.cache, "--json"])
        #expect(status.status == 0)
        let json = try #require(try JSONParser().parse(Array(status.stdout.utf8)).objectValue)
        let roles = try #require(json["roles"]?.arrayValue)
        #expect(roles.compactMap { $0.objectValue?["name"]?.stringValue } == ["root", "timestamp", "snapshot", "targets"])
        #expect(roles.first?.objectValue?["version"] == 4)
        #expect(json["root_roles"]?.objectValue?["root"]?.objectValue?["threshold"] == 3)
        let human = try await TrustRootBinary.run(["client", "status", "--cache", fixture.cache])
        #expect(human.stdout.contains("root v4, expires "))
        #expect(human.stdout.contains("  root keys: 3 of 3"))

        let offline = try await TrustRootBinary.run(["client", "refresh", "--offline", "--cache", fixture.cache])
        #expect(offline.status == 0)
        #expect(offline.stderr.hasPrefix("trustroot: warning: offline: using the cache only (last refreshed "))
    }

    /// `client status` shows what is trusted and what is missing in every state a client can be
    /// in: just initialized, after an interrupted refresh, with a pin the cache disagrees with.
    @Test func statusShowsWhatIsTrustedAndMissingInEveryState() async throws {
        let fixture = try await Fixture()
        #expect(try await fixture.initClient().status == 0)
        let fresh = try await TrustRootBinary.run(["client", "status", "--cache", fixture.cache])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.stdout.contains("\nroot v1, expires "), "\(fresh.stdout)")
        #expect(fresh.stdout.contains("\ntimestamp missing (not in the cache): run `trustroot client refresh`\n"), "\(fresh.stdout)")
        #expect(fresh.stdout.contains("\nsnapshot not trusted: not checked: the role it depends on is not trusted"), "\(fresh.stdout)")
        #expect(fresh.stdout.contains("  root keys: "))

        #expect(try await TrustRootBinary.run(["client", "refresh", "--cache", fixture.cache]).status == 0)
        let full = try await TrustRootBinary.run(["client", "status", "--cache", fixture.cache, "--json"])
        let complete = try #require(try JSONParser().parse(Array(full.stdout.utf8)).objectValue)
        #expect(complete["complete"] == true)
        let delegated = try #require(complete["delegated_roles"]?.arrayValue?.first?.objectValue)
        #expect(delegated["name"] == "releases")
        #expect(delegated["delegator"] == "targets")
        #expect(delegated["state"] == "not fetched")
        #expect(try await TrustRootBinary.run(["client", "get", "releases/app-1.0.tar.gz", "--cache", fixture.cache]).status == 0)
        let fetched = try await TrustRootBinary.run(["client", "status", "--cache", fixture.cache])
        #expect(fetched.stdout.contains("\ndelegated roles:\n  releases (from targets) v1, expires "), "\(fetched.stdout)")

        // A refresh killed between the timestamp and the snapshot: a new timestamp, the old
        // snapshot gone.
        try FileManager.default.removeItem(at: fixture.folder.file("client/metadata/snapshot.json"))
        let interrupted = try await TrustRootBinary.run(["client", "status", "--cache", fixture.cache, "--json"])
        #expect(interrupted.status == 0, "\(interrupted.stderr)")
        let partial = try #require(try JSONParser().parse(Array(interrupted.stdout.utf8)).objectValue)
        #expect(partial["complete"] == false)
        let states = partial["roles"]?.arrayValue?.compactMap { $0.objectValue?["state"]?.stringValue }
        #expect(states == ["trusted", "trusted", "missing", "refused"])

        // A pin the trusted root does not meet.
        #expect(try await TrustRootBinary.run(["client", "refresh", "--cache", fixture.cache]).status == 0)
        var object = try #require(try JSONParser().parse(try fixture.folder.read("client/settings")).objectValue)
        object["pin_root_version"] = 2
        try fixture.folder.write("client/settings", JSONWriter.prettyPrinted(.object(object)))
        let conflict = try await TrustRootBinary.run(["client", "status", "--cache", fixture.cache])
        #expect(conflict.status == 0, "\(conflict.stderr)")
        #expect(conflict.stdout.contains("\nroot v4, expires "))
        #expect(conflict.stdout.contains("\npin conflict: root is pinned to v2, but the cache trusts v4: "), "\(conflict.stdout)")
    }

    /// A refresh fetches the Sigstore files the repository lists as verified targets, which
    /// `verify` then reads offline; a client without them is refused, never replaced by the
    /// shipped public-good root.
    @Test func refreshFetchesTheTrustedRootAndVerifyNeverFallsBack() async throws {
        let fixture = try await Fixture()
        #expect(try await fixture.initClient().status == 0)
        let refresh = try await TrustRootBinary.run(["client", "refresh", "--cache", fixture.cache, "--json"])
        #expect(refresh.status == 0, "\(refresh.stderr)")
        let json = try #require(try JSONParser().parse(Array(refresh.stdout.utf8)).objectValue)
        #expect(json["root_steps"] == [2, 3, 4])
        let path = fixture.folder.file("client/targets/trusted_root.json").path
        #expect(json["files"]?.objectValue?["trusted_root.json"]?.stringValue == path)
        #expect(try fixture.folder.read("client/targets/trusted_root.json") == Array("{\"mediaType\": \"test trusted root\"}\n".utf8))

        // The test repository's trusted root is not a real one: verify reads it (and no other).
        try fixture.folder.write("bundle.json", Array("{}".utf8))
        let bundle = fixture.folder.file("bundle.json").path
        let verifyArguments = ["verify", "--cache", fixture.cache, "--bundle", bundle, "--key", bundle, bundle]
        let fromClient = try await TrustRootBinary.run(verifyArguments)
        #expect(fromClient.status == 65, "\(fromClient.stderr)")
        #expect(fromClient.stderr.hasPrefix("trustroot: \(path):"), "\(fromClient.stderr)")
        #expect(!fromClient.stderr.contains("shipped"))

        try FileManager.default.removeItem(atPath: path)
        let missing = try await TrustRootBinary.run(verifyArguments)
        #expect(missing.status == 66, "\(missing.stderr)")
        #expect(
            missing.stderr
                == "trustroot: \(path): the client has not fetched trusted_root.json yet: run `trustroot client refresh --cache \(fixture.cache)`\n"
        )
    }

    /// A download shows its progress on a terminal, and nothing extra when stderr is not one.
    @Test func progressOnATerminalOnly() async throws {
        let fixture = try await Fixture()
        #expect(try await fixture.initClient().status == 0)
        let arguments = ["client", "get", "releases/app-1.0.tar.gz", "--cache", fixture.cache, "-o", fixture.folder.file("app").path]
        let atTerminal = try await TrustRootBinary.atTerminal(arguments)
        #expect(atTerminal.status == 0, "\(atTerminal.output)")
        #expect(atTerminal.output.contains("\rdownloading releases/app-1.0.tar.gz: 1 KiB of 1 KiB"), "\(atTerminal.output)")
        try FileManager.default.removeItem(atPath: fixture.cache + "/targets")
        let piped = try await TrustRootBinary.run(arguments)
        #expect(piped.status == 0)
        #expect(piped.stderr == "", "\(piped.stderr)")
    }

    /// A server that accepts connections and never answers: `--timeout` bounds the wait and the
    /// failure says so.
    @Test func timeoutIsAnOptionAndEndsAStalledRefresh() async throws {
        let fixture = try await Fixture()
        let stalled = try StalledListener()
        let cache = fixture.folder.file("stalled").path
        let initialized = try await TrustRootBinary.run([
            "client", "init", "--repo", "http://127.0.0.1:\(stalled.port)/metadata", "--root", fixture.folder.file("repo/1.root.json").path,
            "--cache", cache,
        ])
        #expect(initialized.status == 0, "\(initialized.stderr)")
        let help = try await TrustRootBinary.run(["client", "refresh", "--help"])
        #expect(help.stdout.contains("--timeout <seconds>"))
        #expect(help.stdout.contains("(default: 30)"))
        // Waiting on a silent server costs the process next to no CPU: the timer is the event
        // loop's, not a poll.
        let refresh = try await TrustRootBinary.measured(["client", "refresh", "--cache", cache, "--timeout", "3"])
        #expect(refresh.status == 69, "\(refresh.stderr)")
        #expect(refresh.stderr.contains("timed out"), "\(refresh.stderr)")
        #expect(refresh.seconds >= 2.5 && refresh.seconds < 25, "--timeout 3 took \(refresh.seconds) s, not 3 s")
        #expect(refresh.cpuSeconds < 0.1 * refresh.seconds, "a stalled refresh used \(refresh.cpuSeconds) s of CPU in \(refresh.seconds) s")
        #expect(try await TrustRootBinary.run(["client", "refresh", "--cache", cache, "--timeout", "0"]).status == 64)
    }

    /// An environment naming `proxy` for http URLs, and `noProxy` as the hosts to reach direct.
    static func proxyEnvironment(_ proxy: String, noProxy: String) -> [String: String] {
        ["HTTP_PROXY": proxy, "http_proxy": proxy, "NO_PROXY": noProxy, "no_proxy": noProxy]
    }

    /// The proxy the environment names carries every request of a refresh; NO_PROXY sends the
    /// host direct; a proxy that cannot be reached fails the refresh (so it was not bypassed).
    @Test func refreshesThroughTheProxyTheEnvironmentNames() async throws {
        // Both spellings of each variable, so that none the test's own environment holds wins.
        let fixture = try await Fixture()
        #expect(try await fixture.initClient().status == 0)
        let log = fixture.folder.file("proxy.log")
        let proxy = try LoopbackServer(proxyLoggingTo: log)
        let proxied = try await TrustRootBinary.run(
            ["client", "refresh", "--cache", fixture.cache],
            environment: Self.proxyEnvironment(proxy.baseURL.absoluteString, noProxy: "")
        )
        #expect(proxied.status == 0, "\(proxied.stderr)")
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.hasPrefix("CONNECT 127.0.0.1:\(fixture.server.baseURL.port!) ") }, "\(lines)")

        try FileManager.default.removeItem(at: fixture.folder.file("client"))
        #expect(try await fixture.initClient().status == 0)
        let direct = try await TrustRootBinary.run(
            ["client", "refresh", "--cache", fixture.cache],
            environment: Self.proxyEnvironment(proxy.baseURL.absoluteString, noProxy: "127.0.0.1")
        )
        #expect(direct.status == 0, "\(direct.stderr)")
        #expect(try String(contentsOf: log, encoding: .utf8).split(separator: "\n").count == lines.count)

        let unreachable = try await TrustRootBinary.run(
            ["client", "refresh", "--cache", fixture.cache],
            environment: Self.proxyEnvironment("http://127.0.0.1:9", noProxy: "")
        )
        #expect(unreachable.status == 69, "\(unreachable.stderr)")
        #expect(unreachable.stderr.hasSuffix(": cannot connect to 127.0.0.1:9: Connection refused\n"), "\(unreachable.stderr)")
        #expect(unreachable.stderr.split(separator: "\n").count == 1, "\(unreachable.stderr)")
    }

    /// A repository laid out as `ceremony publish` writes it (`metadata/` beside `targets/`) needs
    /// no --targets-url; a targets URL that does not serve a listed target says so.
    @Test func targetsAreFoundBesideMetadataAndA404SaysWhere() async throws {
        let fixture = try await Fixture()
        try FileManager.default.createDirectory(at: fixture.folder.file("layout"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture.folder.file("repo/metadata"), to: fixture.folder.file("layout/metadata"))
        try FileManager.default.copyItem(at: fixture.folder.file("repo/targets"), to: fixture.folder.file("layout/targets"))
        let cache = fixture.folder.file("side-by-side").path
        let metadata = fixture.folder.file("layout/metadata").absoluteString
        let initialized = try await TrustRootBinary.run([
            "client", "init", "--repo", metadata, "--root", fixture.folder.file("repo/1.root.json").path, "--cache", cache,
        ])
        #expect(initialized.status == 0, "\(initialized.stderr)")
        let got = try await TrustRootBinary.run([
            "client", "get", "trusted_root.json", "--cache", cache, "-o", fixture.folder.file("got.json").path,
        ])
        #expect(got.status == 0, "\(got.stderr)")
        try FileManager.default.removeItem(at: fixture.folder.file("layout/targets"))
        try FileManager.default.removeItem(atPath: "\(cache)/targets")
        let missing = try await TrustRootBinary.run(["client", "get", "trusted_root.json", "--cache", cache])
        #expect(missing.status == 69)
        #expect(missing.stderr.contains("the trusted metadata lists trusted_root.json, but the targets URL "), "\(missing.stderr)")
        #expect(missing.stderr.contains("/layout/targets/ does not serve it"), "\(missing.stderr)")
    }

    /// Each documented exit code for what `client init` is given.
    @Test func initExitCodesAreTheDocumentedOnes() async throws {
        let fixture = try await Fixture()
        let root = try fixture.folder.read("repo/1.root.json")
        try fixture.folder.write("truncated.json", Array(root.prefix(root.count / 2)))
        func initialize(_ root: String, _ extra: [String] = []) async throws -> TrustRootBinary.Outcome {
            try await TrustRootBinary.run(
                ["client", "init", "--repo", fixture.metadataURL, "--root", root, "--cache", fixture.folder.file("c").path] + extra
            )
        }
        #expect(try await initialize(fixture.folder.file("truncated.json").path).status == 65)
        #expect(try await initialize("/nonexistent/root.json").status == 66)
        #expect(try await initialize(fixture.folder.file("repo/1.root.json").path, ["--pin-root-version", "0"]).status == 64)
        await #expect(
            try initialize(fixture.folder.file("repo/1.root.json").path, ["--root-sha256", String(repeating: "0", count: 64)]).status == 1
        )
        #expect(try await initialize(fixture.folder.file("repo/1.root.json").path).status == 0)
    }

    /// `client init` over a client that has walked to a newer root does not silently go back.
    @Test func initDoesNotResetANewerTrustedRootWithoutForce() async throws {
        let fixture = try await Fixture()
        #expect(try await fixture.initClient().status == 0)
        #expect(try await TrustRootBinary.run(["client", "refresh", "--cache", fixture.cache]).status == 0)
        let trusted = try fixture.folder.read("client/metadata/root.json")
        let again = try await fixture.initClient()
        #expect(again.status == 1)
        #expect(again.stderr.contains("already trusts root v4; starting over from v1 would give that up: pass --force"), "\(again.stderr)")
        #expect(try fixture.folder.read("client/metadata/root.json") == trusted)
        let forced = try await fixture.initClient(["--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try fixture.folder.read("client/metadata/root.json") == fixture.folder.read("repo/1.root.json"))
        // The same root again is no reset.
        #expect(try await fixture.initClient().status == 0)
    }

    /// Integers from flags saturate instead of trapping: the largest rotation count walks the
    /// same chain as the default.
    @Test func theLargestRotationCountIsNotACrash() async throws {
        let fixture = try await Fixture()
        #expect(try await fixture.initClient().status == 0)
        let refresh = try await TrustRootBinary.run([
            "client", "refresh", "--cache", fixture.cache, "--max-root-rotations", "9223372036854775807",
        ])
        #expect(refresh.status == 0, "\(refresh.stderr)")
        #expect(refresh.stderr == "root v1 → v2\nroot v2 → v3\nroot v3 → v4\n")
    }

    @Test func startsFromAShippedRoot() async throws {
        let folder = try TemporaryDirectory()
        let known = try await TrustRootBinary.run(["client", "init", "--known", "sigstore", "--cache", folder.path])
        #expect(known.status == 0, "\(known.stderr)")
        #expect(known.stdout == "trusting root v15 for https://tuf-repo-cdn.sigstore.dev in \(folder.path)\n")
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("metadata/sigstore/production/root.json")
        #expect(try folder.read("metadata/root.json") == Array(try Data(contentsOf: shipped)))
        let unknown = try await TrustRootBinary.run(["client", "init", "--known", "nope", "--cache", folder.path])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.hasPrefix("Error: unknown repository nope; known: sigstore, sigstore-staging"))
    }

    @Test func pinsTheRootDigestAndVersion() async throws {
        let fixture = try await Fixture()
        let wrongDigest = try await fixture.initClient(["--root-sha256", String(repeating: "ab", count: 32)])
        #expect(wrongDigest.status == 1)
        #expect(wrongDigest.stderr == "trustroot: root: SHA-256 does not match the pinned digest\n")
        #expect(!FileManager.default.fileExists(atPath: fixture.folder.file("client/metadata/root.json").path))

        let digest = try await Python.run("sha256.py", [fixture.folder.file("repo/1.root.json").path]).trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        #expect(try await fixture.initClient(["--root-sha256", digest, "--pin-root-version", "3"]).status == 0)
        let pinned = try await TrustRootBinary.run(["client", "refresh", "--cache", fixture.cache])
        #expect(pinned.status == 0, "\(pinned.stderr)")
        #expect(pinned.stdout.hasPrefix("root v3,"))

        let minimum = try await TrustRootBinary.run([
            "client", "refresh", "--cache", fixture.cache, "--pin-root-version", "4", "--min-root-version", "5",
        ])
        #expect(minimum.status == 1)
        #expect(minimum.stderr.hasSuffix("trustroot: root version 4 is below the minimum 5\n"))
    }

    @Test func failuresHaveDistinctExitCodesAndKeepTheCache() async throws {
        let fixture = try await Fixture()
        #expect(try await fixture.initClient().status == 0)
        #expect(try await TrustRootBinary.run(["client", "refresh", "--cache", fixture.cache]).status == 0)
        let before = try fixture.cacheFiles()

        let missing = try await TrustRootBinary.run(["client", "get", "no/such/target", "--cache", fixture.cache])
        #expect(missing.status == 3)
        #expect(missing.stderr == "trustroot: no/such/target: no trusted targets metadata lists this target\n")

        // A rolled-back timestamp: verification failure, exit 1.
        let variant = fixture.folder.file("repo/variants/rollback-timestamp")
        for name in try FileManager.default.contentsOfDirectory(atPath: variant.path) {
            let destination = fixture.folder.file("repo/metadata/\(name)")
            try? FileManager.default.removeItem(at: destination)
            try FileManager.default.copyItem(at: variant.appendingPathComponent(name), to: destination)
        }
        let rollback = try await TrustRootBinary.run(["client", "refresh", "--cache", fixture.cache])
        #expect(rollback.status == 1)
        #expect(rollback.stderr == "trustroot: timestamp: version 1 is older than trusted version 2\n")

        // The server gone: network failure, exit 69.
        let settings = fixture.folder.file("client/settings")
        let text = try String(contentsOf: settings, encoding: .utf8)
        try text.replacingOccurrences(of: fixture.server.baseURL.absoluteString, with: "http://127.0.0.1:9").write(
            to: settings,
            atomically: false,
            encoding: .utf8
        )
        let unreachable = try await TrustRootBinary.run(["client", "refresh", "--cache", fixture.cache])
        #expect(unreachable.status == 69, "\(unreachable.stderr)")

        let usage = try await TrustRootBinary.run(["client", "refresh", "--allow-expired", "--cache", fixture.cache])
        #expect(usage.status == 64)
        let uninitialized = try await TrustRootBinary.run(["client", "status", "--cache", fixture.folder.file("nothing").path])
        #expect(uninitialized.status == 66)

        #expect(try fixture.cacheFiles() == before)
    }

    /// A link put in place of the client folder's `metadata` or `targets` is refused by every
    /// command that reaches it: one line naming it, exit 1 (a link where the client's own folder
    /// should be), and nothing read from or written into the folder it points at.
    @Test(arguments: ["metadata", "targets"])
    func aLinkedClientSubfolderIsRefusedByEveryCommand(_ name: String) async throws {
        let fixture = try await Fixture()
        #expect(try await fixture.initClient().status == 0)
        let linked = fixture.folder.file("client/\(name)")
        let outside = fixture.folder.file("outside")
        if FileManager.default.fileExists(atPath: linked.path) {
            try FileManager.default.moveItem(at: linked, to: outside)
        } else {
            try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: false)
        }
        try FileManager.default.createSymbolicLink(atPath: linked.path, withDestinationPath: outside.path)
        func contents() throws -> [String: Data] {
            var files: [String: Data] = [:]
            for path in FileManager.default.subpaths(atPath: outside.path) ?? [] {
                files[path] = FileManager.default.contents(atPath: outside.appendingPathComponent(path).path)
            }
            return files
        }
        let before = try contents()

        var commands = [["client", "refresh"], ["client", "get", "trusted_root.json"], ["client", "status"]]
        if name == "metadata" { commands.append(["client", "refresh", "--offline"]) }
        for command in commands {
            let outcome = try await TrustRootBinary.run(command + ["--cache", fixture.cache])
            #expect(outcome.status == 1, "\(command): \(outcome.stderr)")
            // A refresh may first report the root versions it walked; the error is the one line after.
            let message = "trustroot: \(linked.path): is or passes through a symbolic link, which is refused\n"
            #expect(outcome.stderr.hasSuffix(message), "\(command): \(outcome.stderr)")
            #expect(outcome.stderr.components(separatedBy: "trustroot: ").count == 2, "\(command): \(outcome.stderr)")
        }
        #expect(try contents() == before)

        // The link gone and the folder back, the same client refreshes.
        try FileManager.default.removeItem(at: linked)
        if name == "metadata" { try FileManager.default.moveItem(at: outside, to: linked) }
        let refresh = try await TrustRootBinary.run(["client", "refresh", "--cache", fixture.cache])
        #expect(refresh.status == 0, "\(refresh.stderr)")
    }

    /// A client folder whose `metadata` folder was deleted holds no trusted root: every command
    /// that reads it says so in one line, exits 66, and makes nothing in its place.
    @Test func aDeletedMetadataFolderIsNamedAndNotMadeAgain() async throws {
        let fixture = try await Fixture()
        #expect(try await fixture.initClient().status == 0)
        let metadata = fixture.folder.file("client/metadata")
        try FileManager.default.removeItem(at: metadata)
        for command in [
            ["client", "refresh"], ["client", "refresh", "--offline"], ["client", "status"], ["client", "get", "trusted_root.json"],
        ] {
            let outcome = try await TrustRootBinary.run(command + ["--cache", fixture.cache])
            #expect(outcome.status == 66, "\(command): \(outcome.stderr)")
            #expect(
                outcome.stderr == "trustroot: \(metadata.path): no trusted metadata here; run `trustroot client init` first\n",
                "\(command)"
            )
            #expect(!FileManager.default.fileExists(atPath: metadata.path), "\(command)")
        }
    }

    /// A disk that fills up during a write (here a file-size limit, which fails writes the same
    /// way without needing a small file system): one line and exit 74, the previous trusted
    /// files intact and no temporary left, and the next refresh with room succeeds.
    @Test func aWriteThatRunsOutOfSpaceKeepsTheTrustedState() async throws {
        let fixture = try await Fixture()
        #expect(try await fixture.initClient().status == 0)
        let before = try fixture.cacheFiles()
        let limited = try await Subprocess.run(
            URL(fileURLWithPath: "/bin/bash"),
            ["-c", "ulimit -f 1 && exec \"$0\" \"$@\"", TrustRootBinary.url.path, "client", "refresh", "--cache", fixture.cache]
        )
        #expect(limited.status == 74, "\(limited.errors)")
        // The walk reports the versions it verified as it goes; the failure is the one last line.
        let lines = limited.errors.split(separator: "\n")
        #expect(lines.dropLast().allSatisfy { $0.hasPrefix("root v") }, "\(limited.errors)")
        let failure = String(lines.last ?? "")
        #expect(failure.hasPrefix("trustroot: \(fixture.folder.file("client/metadata").path)/"), "\(limited.errors)")
        #expect(failure.hasSuffix(": write failed: File too large"), "\(limited.errors)")
        let after = try fixture.cacheFiles()
        // What was trusted before is still there, byte for byte; what was written is whole.
        for (name, bytes) in before { #expect(after[name] == bytes, "\(name)") }
        for (name, bytes) in after { #expect(throws: Never.self, "\(name)") { try JSONParser().parse(Array(bytes)) } }
        let names = try FileManager.default.contentsOfDirectory(atPath: fixture.folder.file("client/metadata").path)
        #expect(names.allSatisfy { !$0.hasSuffix(".partial") }, "\(names)")

        let refreshed = try await TrustRootBinary.run(["client", "refresh", "--cache", fixture.cache])
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
    }

    /// Killed at arbitrary moments during a refresh, the client always recovers on the next run.
    @Test func survivesBeingKilledMidRefresh() async throws {
        let fixture = try await Fixture()
        for delay in stride(from: 0.0, through: 0.3, by: 0.02) {
            try? FileManager.default.removeItem(atPath: fixture.cache)
            #expect(try await fixture.initClient().status == 0)
            let process = try TrustRootBinary.start(["client", "refresh", "--cache", fixture.cache])
            try await Task.sleep(for: .seconds(delay))
            kill(process.processIdentifier, SIGKILL)
            await Subprocess.wait(process)
            // Whatever the kill interrupted, every metadata file is whole: a partial write only
            // ever exists under a hidden temporary name.
            let metadata = fixture.folder.file("client/metadata")
            for name in try FileManager.default.contentsOfDirectory(atPath: metadata.path) where name.hasSuffix(".json") {
                #expect(throws: Never.self) { try JSONParser().parse(Array(try Data(contentsOf: metadata.appendingPathComponent(name)))) }
            }
            let next = try await TrustRootBinary.run(["client", "refresh", "--cache", fixture.cache])
            #expect(next.status == 0, "killed after \(delay) s: \(next.stderr)")
            #expect(next.stdout.hasPrefix("root v4, timestamp v2, snapshot v2, targets v1"))
            // The next update, holding the lock, clears temporaries a killed one left.
            #expect(try FileManager.default.contentsOfDirectory(atPath: metadata.path).allSatisfy { !$0.hasSuffix(".partial") })
        }
    }
}

/// A socket that listens on loopback and never accepts: connections complete in the kernel's
/// backlog, and requests are never answered.
final class StalledListener {
    let descriptor: Int32
    let port: Int

    init() throws {
        (descriptor, port) = try LoopbackSocket.listening()
    }

    deinit { close(descriptor) }
}
