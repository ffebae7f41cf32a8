import Crypto
import Foundation
import Sigstore
import TUF
import TestSupport
import Testing
import TransparencyLog

/// `trustroot log` and `trustroot monitor` against a tiled log served over loopback HTTP (and
/// read from a folder): what they print, their exit codes, and a monitor killed mid-scan.
@Suite("Log and monitor commands")
struct LogCLITests {
    static let watched = "https://github.com/example/project/.github/workflows/release.yml@refs/heads/main"

    final class Fixture {
        let instance: TestInstance
        var log = TestTiledLog(origin: "log.test.example/v2")
        let folder: TemporaryDirectory
        let work: TemporaryDirectory
        let server: TestLogServer
        let trustedRootPath: String

        init(entries: Int, watchedAt: Set<Int> = []) throws {
            instance = try TestInstance()
            folder = try TemporaryDirectory()
            work = try TemporaryDirectory()
            server = try TestLogServer(folder: folder.url)
            let key = P256.Signing.PrivateKey()
            for index in 0..<entries {
                let identity = watchedAt.contains(index) ? LogCLITests.watched : "https://example.com/other/\(index)"
                let certificate = try instance.issue(to: .init(key.publicKey), identity: identity, at: instance.epoch)
                log.entries.append(
                    TestTiledLog.hashedRekordEntry(
                        certificate: TestInstance.der(certificate),
                        digest: Array(SHA256.hash(data: Array("\(index)".utf8)))
                    )
                )
            }
            try log.write(to: folder.url)
            let root = try log.adding(to: instance.trustedRoot(), baseURL: server.baseURL.absoluteString)
            try work.write("trusted_root.json", root)
            trustedRootPath = work.file("trusted_root.json").path
        }

        deinit { server.stop() }

        var url: String { server.baseURL.absoluteString }

        func trustroot(_ arguments: [String]) async throws -> TrustRootBinary.Outcome {
            try await TrustRootBinary.run(arguments + ["--trusted-root", trustedRootPath])
        }

        func monitor(_ extra: [String] = []) async throws -> TrustRootBinary.Outcome {
            try await trustroot(
                ["monitor", "--log-url", url, "--state", work.file("state").path, "--once", "--identity", LogCLITests.watched] + extra
            )
        }
    }

    @Test func infoGetAndConsistency() async throws {
        let fixture = try Fixture(entries: 300, watchedAt: [7])
        let info = try await fixture.trustroot(["log", "info", "--log-url", fixture.url])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("tree size: 300"))
        #expect(info.stdout.contains("origin: log.test.example/v2"))
        // The same log read from its folder.
        let local = try await fixture.trustroot(["log", "info", "--log-url", fixture.folder.path, "--json"])
        #expect(local.status == 0 && local.stdout.contains("\"tree_size\": 300"), "\(local.stderr)")

        let certificate = fixture.work.file("entry7.pem").path
        let get = try await fixture.trustroot(["log", "get", "--log-url", fixture.url, "--index", "7", "--certificate-out", certificate])
        #expect(get.status == 0, "\(get.stderr)")
        #expect(get.stdout.contains(Self.watched))
        #expect(get.stdout.contains("hashedrekord 0.0.2"))
        #expect(try String(contentsOfFile: certificate, encoding: .utf8).hasPrefix("-----BEGIN CERTIFICATE-----"))
        let missing = try await fixture.trustroot(["log", "get", "--log-url", fixture.url, "--index", "300"])
        #expect(missing.status == 66 && missing.stderr.contains("no entry 300"))

        // An earlier checkpoint, then more entries: consistent.
        try fixture.work.write("old-checkpoint", try fixture.folder.read("checkpoint"))
        fixture.log.entries += (0..<50).map { Array("later \($0)".utf8) }
        try fixture.log.write(to: fixture.folder.url)
        let consistent = try await fixture.trustroot(
            ["log", "consistency", "--log-url", fixture.url, "--from-checkpoint", fixture.work.file("old-checkpoint").path])
        #expect(consistent.status == 0, "\(consistent.stderr)")
        #expect(consistent.stdout.contains("grew from 300 to 350"))

        // History rewritten under the same key: not consistent, exit 1.
        fixture.log.entries[3] = Array("rewritten".utf8)
        try fixture.log.write(to: fixture.folder.url)
        let forked = try await fixture.trustroot(
            ["log", "consistency", "--log-url", fixture.url, "--from-checkpoint", fixture.work.file("old-checkpoint").path])
        #expect(forked.status == 1 && forked.stderr.contains("does not extend"), "\(forked.stderr)")
    }

    @Test func readsRekorV1InfoEntriesSearchesAndMonitorsIt() async throws {
        let services = try TestSigstoreServices()
        services.logShardOffset = 100
        let instance = services.instance
        let key = P256.Signing.PrivateKey()
        let watchedAt = instance.leaves.count + 4
        var watchedPEM = ""
        for position in instance.leaves.count..<(instance.leaves.count + 20) {
            let identity = position == watchedAt ? Self.watched : "https://example.com/other/\(position)"
            let certificate = try instance.issue(to: .init(key.publicKey), identity: identity, at: instance.epoch.addingTimeInterval(-1))
            if position == watchedAt { watchedPEM = TestInstance.pem("CERTIFICATE", TestInstance.der(certificate)) }
            _ = instance.append(
                TestInstance.hashedRekordV1Entry(
                    certificate: TestInstance.der(certificate),
                    digest: Array(SHA256.hash(data: Array("\(position)".utf8)))
                )
            )
        }
        let work = try TemporaryDirectory()
        try work.write("trusted_root.json", instance.trustedRoot())
        try work.write("watched.pem", Array(watchedPEM.utf8))
        let url = services.logURL.absoluteString
        func trustroot(_ arguments: [String]) async throws -> TrustRootBinary.Outcome {
            try await TrustRootBinary.run(arguments + ["--log-url", url, "--trusted-root", work.file("trusted_root.json").path])
        }
        let size = instance.leaves.count
        let logIndex = 100 + watchedAt

        let info = try await trustroot(["log", "info"])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("tree size: \(size)") && info.stdout.contains("origin: \(instance.origin)"))

        let get = try await trustroot(["log", "get", "--index", "\(logIndex)", "--json"])
        #expect(get.status == 0, "\(get.stderr)")
        let entry = try JSONParser().parse(Array(get.stdout.utf8)).objectValue
        #expect(entry?["log_index"]?.integerValue == Int64(logIndex))
        #expect(entry?["inclusion_proof"]?.objectValue?["log_index"]?.integerValue == Int64(watchedAt))
        #expect(get.stdout.contains(Self.watched))
        let uuid = "0000000000000001" + Hex.encode(MerkleInclusion.leafHash(instance.leaves[watchedAt]))
        let byUUID = try await trustroot(["log", "get", "--uuid", uuid, "--json"])
        #expect(byUUID.status == 0 && byUUID.stdout.contains("\"log_index\": \(logIndex)"), "\(byUUID.stdout) \(byUUID.stderr)")
        let badUUID = try await trustroot(["log", "get", "--uuid", "zz"])
        #expect(badUUID.status == 64)
        let earlierShard = try await trustroot(["log", "get", "--index", "3"])
        #expect(earlierShard.status == 66, "\(earlierShard.stderr)")

        let digest = Hex.encode(SHA256.hash(data: Array("\(watchedAt)".utf8)))
        let byDigest = try await trustroot(["log", "search", "--sha256", digest])
        #expect(byDigest.status == 0, "\(byDigest.stderr)")
        #expect(byDigest.stdout == "\(logIndex) \(Self.watched) \(TestInstance.issuerURL) \(digest)\n")
        let byKey = try await trustroot(["log", "search", "--public-key", work.file("watched.pem").path, "--json"])
        #expect(byKey.status == 0 && byKey.stdout.contains("\"log_index\":\(logIndex)"), "\(byKey.stdout) \(byKey.stderr)")
        let byIdentity = try await trustroot(["log", "search", "--identity", Self.watched])
        #expect(byIdentity.status == 64 && byIdentity.stderr.contains("--state"))

        let state = work.file("state").path
        let monitor = try await trustroot([
            "monitor", "--state", state, "--once", "--from-index", "0", "--identity", Self.watched, "--json",
        ])
        #expect(monitor.status == 1, "\(monitor.stderr)")
        #expect(monitor.stdout.contains("\"log_index\":\(logIndex)"))
        services.inject(.logBadSET)
        _ = instance.append(Array("one more".utf8))
        let lying = try await trustroot(["monitor", "--state", state, "--once", "--identity", Self.watched])
        #expect(lying.status == 65 && lying.stderr.contains("signed entry timestamp"), "\(lying.stderr)")
        services.clearFaults()
        services.inject(.logRewritten)
        let forked = try await trustroot(["monitor", "--state", state, "--once", "--identity", Self.watched])
        #expect(forked.status == 1 && forked.stdout.contains("inconsistency"), "\(forked.stdout) \(forked.stderr)")
    }

    @Test func readsAndMonitorsTheCTLogOfTheTrustedRoot() async throws {
        let instance = try TestInstance()
        let log = try TestCTLog(key: instance.ctKey)
        let key = P256.Signing.PrivateKey()
        for index in 0..<30 {
            let identity = index == 12 ? Self.watched : "https://example.com/other/\(index)"
            let certificate = try instance.issue(to: .init(key.publicKey), identity: identity, at: instance.epoch.addingTimeInterval(-1))
            log.addCertificate(TestInstance.der(certificate), at: instance.epoch.addingTimeInterval(Double(index)))
        }
        // The trusted root's CT log, at the stand-in's URL.
        guard case .object(var root) = try JSONParser().parse(instance.trustedRoot()), case .array(var ctlogs)? = root["ctlogs"],
            case .object(var ctlog)? = ctlogs.first
        else { throw CancellationError() }
        ctlog["baseUrl"] = .string(log.baseURL.absoluteString)
        ctlogs[0] = .object(ctlog)
        root["ctlogs"] = .array(ctlogs)
        let work = try TemporaryDirectory()
        try work.write("trusted_root.json", JSONWriter.prettyPrinted(.object(root)))
        func trustroot(_ arguments: [String]) async throws -> TrustRootBinary.Outcome {
            try await TrustRootBinary.run(
                arguments + ["--log-url", log.baseURL.absoluteString, "--trusted-root", work.file("trusted_root.json").path]
            )
        }
        let info = try await trustroot(["log", "info"])
        #expect(info.status == 0 && info.stdout.contains("tree size: 30"), "\(info.stdout) \(info.stderr)")
        let get = try await trustroot(["log", "get", "--index", "12", "--certificate-out", work.file("12.pem").path])
        #expect(get.status == 0 && get.stdout.contains("kind: CT certificate") && get.stdout.contains(Self.watched), "\(get.stderr)")
        #expect(try String(contentsOfFile: work.file("12.pem").path, encoding: .utf8).hasPrefix("-----BEGIN CERTIFICATE-----"))
        let monitor = try await trustroot([
            "monitor", "--state", work.file("state").path, "--once", "--from-index", "0", "--identity", Self.watched, "--json",
        ])
        #expect(monitor.status == 1 && monitor.stdout.contains("\"log_index\":12"), "\(monitor.stdout) \(monitor.stderr)")
        log.fault = .untrustedHead
        let impostor = try await trustroot(["log", "info", "--log-api", "ct"])
        #expect(impostor.status == 65 && impostor.stderr.contains("not signed by the CT log's key"), "\(impostor.stderr)")
    }

    @Test func monitorsAStaticCTLogInAFolder() async throws {
        let instance = try TestInstance()
        var log = TestStaticCTLog(origin: "ct.test.example", key: instance.ctKey)
        let key = P256.Signing.PrivateKey()
        for index in 0..<300 {
            let identity = index == 270 ? Self.watched : "https://example.com/other/\(index)"
            let certificate = try instance.issue(to: .init(key.publicKey), identity: identity, at: instance.epoch.addingTimeInterval(-1))
            log.addCertificate(TestInstance.der(certificate), at: instance.epoch.addingTimeInterval(Double(index)))
        }
        let folder = try TemporaryDirectory()
        try log.write(to: folder.url)
        let work = try TemporaryDirectory()
        try work.write("trusted_root.json", instance.trustedRoot())
        let arguments = ["--log-url", folder.path, "--log-api", "static-ct", "--trusted-root", work.file("trusted_root.json").path]
        let info = try await TrustRootBinary.run(["log", "info"] + arguments)
        #expect(info.status == 0 && info.stdout.contains("origin: ct.test.example"), "\(info.stderr)")
        let monitor = try await TrustRootBinary.run(
            ["monitor", "--state", work.file("state").path, "--once", "--from-index", "0", "--identity", Self.watched] + arguments
        )
        #expect(monitor.status == 1 && monitor.stdout.contains(" entry 270, "), "\(monitor.stdout) \(monitor.stderr)")
        // Read as a Rekor v2 log, its checkpoint is signed by no key of the trusted root's logs.
        let tiles = try await TrustRootBinary.run(
            ["log", "info", "--log-url", folder.path, "--log-api", "tiles", "--trusted-root", work.file("trusted_root.json").path])
        #expect(tiles.status == 65, "\(tiles.stderr)")
    }

    @Test func monitorReportsFindingsOnceAndBadLogDataWithItsExitCode() async throws {
        let fixture = try Fixture(entries: 600, watchedAt: [10, 500])
        let report = fixture.work.file("report.md").path
        let first = try await fixture.monitor(["--from-index", "0", "--json", "--report", report])
        #expect(first.status == 1, "\(first.stderr)")
        let lines = first.stdout.split(separator: "\n").compactMap { try? JSONParser().parse(Array($0.utf8)) }
        #expect(lines.count == 2)
        #expect(lines.compactMap { $0.objectValue?["log_index"]?.integerValue } == [10, 500])
        #expect(
            lines.allSatisfy {
                $0.objectValue?["kind"]?.stringValue == "identity" && $0.objectValue?["identity"]?.stringValue == Self.watched
            }
        )
        #expect(lines.allSatisfy { $0.objectValue?["issuer"]?.stringValue == TestInstance.issuerURL })
        let markdown = try String(contentsOfFile: report, encoding: .utf8)
        #expect(markdown.contains("| 10 |") && markdown.contains("| 500 |"))

        let second = try await fixture.monitor()
        #expect(second.status == 0 && second.stdout.isEmpty, "\(second.stdout) \(second.stderr)")

        // A checkpoint the trusted root's keys did not sign.
        let impostor = TestTiledLog(origin: fixture.log.origin, entries: fixture.log.entries)
        try fixture.folder.write("checkpoint", impostor.checkpoint())
        let unverified = try await fixture.monitor()
        #expect(unverified.status == 65 && unverified.stderr.contains("not signed by a key"), "\(unverified.stderr)")
        // A right-edge tile that does not lead to the checkpoint.
        try fixture.log.write(to: fixture.folder.url)
        var tile = try fixture.folder.read("tile/0/002.p/88")
        tile[1] ^= 1
        try fixture.folder.write("tile/0/002.p/88", tile)
        let malformed = try await fixture.monitor()
        #expect(malformed.status == 65 && malformed.stderr.contains("do not hash to the root"), "\(malformed.stderr)")
        // A log nobody answers at.
        let closed = try await TrustRootBinary.run([
            "monitor", "--log-url", "http://127.0.0.1:1/", "--state", fixture.work.file("state").path, "--once", "--trusted-root",
            fixture.trustedRootPath,
        ])
        #expect(closed.status == 69, "\(closed.stderr)")
        // A fork, reported as an inconsistency with exit 1, again on the next run.
        try fixture.log.write(to: fixture.folder.url)
        fixture.log.entries[2] = Array("rewritten".utf8)
        try fixture.log.write(to: fixture.folder.url)
        for _ in 0..<2 {
            let fork = try await fixture.monitor(["--json"])
            #expect(fork.status == 1 && fork.stdout.contains("\"kind\":\"inconsistency\""), "\(fork.stdout) \(fork.stderr)")
        }
    }

    @Test func aMonitorKilledAnywhereResumesWithoutGapsOrLostFindings() async throws {
        let watchedAt: Set<Int> = [5, 700, 1_300, 2_500, 2_999]
        let fixture = try Fixture(entries: 3_000, watchedAt: watchedAt)
        let state = fixture.work.file("state").path
        var printed: [Int64] = []
        for delay in [0.15, 0.3, 0.45, 0.6] {
            let process = try TrustRootBinary.start([
                "monitor", "--log-url", fixture.url, "--state", state, "--once", "--identity", Self.watched, "--from-index", "0",
                "--json", "--trusted-root", fixture.trustedRootPath,
            ])
            try await Task.sleep(for: .seconds(delay))
            kill(process.processIdentifier, SIGKILL)
            let outcome = try await Subprocess.finish(process)
            printed += outcome.output.split(separator: "\n").compactMap {
                (try? JSONParser().parse(Array($0.utf8)))?.objectValue?["log_index"]?.integerValue
            }
        }
        let last = try await fixture.monitor(["--json", "--from-index", "0"])
        #expect(last.status == 0 || last.status == 1, "\(last.stderr)")
        printed += last.stdout.split(separator: "\n").compactMap {
            (try? JSONParser().parse(Array($0.utf8)))?.objectValue?["log_index"]?.integerValue
        }
        // Every finding reached the output; one repeats only if a kill fell between printing it
        // and recording that it was printed.
        #expect(Set(printed) == Set(watchedAt.map(Int64.init)))
        #expect(printed.count <= watchedAt.count + 4)
        let done = try await fixture.monitor()
        #expect(done.status == 0 && done.stdout.isEmpty)
        #expect(done.stderr.contains("scanned 3000..<3000"), "\(done.stderr)")
        let search = try await TrustRootBinary.run([
            "log", "search", "--log-url", fixture.url, "--state", state, "--identity", Self.watched,
        ])
        #expect(
            search.stdout.split(separator: "\n").compactMap { Int64($0.split(separator: " ")[0]) } == watchedAt.sorted().map(Int64.init)
        )
    }
}
