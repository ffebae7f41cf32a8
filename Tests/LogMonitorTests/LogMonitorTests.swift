import Crypto
import Foundation
import Plumbing
import Sigstore
import TUF
import TestSupport
import Testing
import TransparencyLog
import X509

@testable import LogMonitor

/// The monitor over a tiled log in a folder: findings only for the trusted CA's certificates,
/// each once across runs, forks and rollbacks found, bad log data refused without a trace in
/// the state, and a failed run resumed exactly.
@Suite("Log monitor")
struct LogMonitorTests {
    static let watched = "https://github.com/example/project/.github/workflows/release.yml@refs/heads/main"

    /// A Sigstore instance, a tiled log of its certificates in a folder, and a state folder.
    final class Fixture {
        let instance: TestInstance
        var log: TestTiledLog
        let folder: TemporaryDirectory
        let stateFolder: TemporaryDirectory
        let trustedRoot: TrustedRoot
        let outsider = P384.Signing.PrivateKey()

        init() throws {
            instance = try TestInstance()
            log = TestTiledLog(origin: "log.test.example/v2")
            folder = try TemporaryDirectory()
            stateFolder = try TemporaryDirectory()
            trustedRoot = try TrustedRoot(bytes: try log.adding(to: instance.trustedRoot(), baseURL: "https://log.test.example"))
        }

        /// Appends `count` entries; those at `watchedAt` carry the watched identity, those at
        /// `lookAlikeAt` carry it in a certificate signed by a CA outside the trusted root.
        func append(_ count: Int, watchedAt: Set<Int> = [], lookAlikeAt: Set<Int> = []) throws {
            let key = P256.Signing.PrivateKey()
            for _ in 0..<count {
                let index = log.entries.count
                let identity =
                    watchedAt.contains(index) || lookAlikeAt.contains(index)
                    ? LogMonitorTests.watched : "https://example.com/other/\(index)"
                let certificate = try instance.issue(
                    to: .init(key.publicKey),
                    identity: identity,
                    at: instance.epoch.addingTimeInterval(Double(index)),
                    signedBy: lookAlikeAt.contains(index) ? outsider : nil
                )
                log.entries.append(
                    TestTiledLog.hashedRekordEntry(
                        certificate: TestInstance.der(certificate),
                        digest: Array(SHA256.hash(data: [UInt8(index & 0xFF)]))
                    )
                )
            }
            try log.write(to: folder.url)
        }

        func monitor(
            policy: MonitorPolicy = MonitorPolicy(identities: [.init(subject: WholeStringPattern(exactly: LogMonitorTests.watched))])
        )
            throws -> LogMonitor
        {
            let client = TiledLogClient(prefix: folder.url, fetcher: try FolderFetcher(path: folder.path))
            let tiled = TiledLog(client: client, keys: trustedRoot.transparencyLogs.map(TrustedLogKey.init))
            return LogMonitor(
                url: "https://log.test.example",
                log: tiled,
                policy: policy,
                trustedRoot: trustedRoot,
                state: try MonitorState(folder: stateFolder.path)
            )
        }

        func run(fromIndex: Int64? = nil) async throws -> (LogMonitor.Summary, [Finding]) {
            var reported: [Finding] = []
            let summary = try await monitor().runOnce(fromIndex: fromIndex) { reported.append($0) }
            return (summary, reported)
        }
    }

    @Test func findsTrustedIdentitiesOnceAcrossRunsAndCountsLookAlikes() async throws {
        let fixture = try Fixture()
        try fixture.append(600, watchedAt: [10, 400], lookAlikeAt: [20])
        let (first, reported) = try await fixture.run(fromIndex: 0)
        #expect(reported.map(\.logIndex) == [10, 400])
        #expect(reported.allSatisfy { $0.kind == .identity && $0.identity == Self.watched && $0.issuer == TestInstance.issuerURL })
        #expect(first.untrustedMatches == 1)
        #expect(first.scannedFrom == 0 && first.scannedTo == 600)

        let (_, again) = try await fixture.run(fromIndex: 0)
        #expect(again.isEmpty)

        try fixture.append(100, watchedAt: [650])
        let (third, later) = try await fixture.run()
        #expect(later.map(\.logIndex) == [650])
        #expect(third.scannedFrom == 600 && third.scannedTo == 700)
        let state = try MonitorState(folder: fixture.stateFolder.path)
        #expect(try state.findings(log: "https://log.test.example").map(\.logIndex) == [10, 400, 650])
        #expect(try state.tally(log: "https://log.test.example").untrustedMatches == 1)
        // The index answers searches a Rekor v2 log cannot.
        #expect(try state.search(log: "https://log.test.example", identity: Self.watched).map(\.logIndex) == [10, 20, 400, 650])
    }

    @Test func aFreshStateStartsAtTheLogsCurrentSize() async throws {
        let fixture = try Fixture()
        try fixture.append(300, watchedAt: [5])
        let (summary, reported) = try await fixture.run()
        #expect(reported.isEmpty)
        #expect(summary.scannedFrom == 300 && summary.scannedTo == 300)
        try fixture.append(10, watchedAt: [305])
        #expect(try await fixture.run().1.map(\.logIndex) == [305])
    }

    @Test func findsAForkAndARollbackAndKeepsTheStateThatShowsThem() async throws {
        let fixture = try Fixture()
        try fixture.append(600)
        _ = try await fixture.run(fromIndex: 0)
        let state = try MonitorState(folder: fixture.stateFolder.path)
        let kept = try state.record(for: "https://log.test.example")

        // Same origin, key and size; one entry rewritten.
        let honest = fixture.log.entries
        fixture.log.entries[5] = Array("rewritten".utf8)
        try fixture.log.write(to: fixture.folder.url)
        let (_, fork) = try await fixture.run()
        #expect(fork.map(\.kind) == [.inconsistency])
        #expect(fork.first?.detail.contains("forked") == true)
        #expect(try state.record(for: "https://log.test.example") == kept)

        // The honest log, rolled back to an older size.
        fixture.log.entries = honest
        try fixture.log.write(to: fixture.folder.url, size: 300)
        let (_, rollback) = try await fixture.run()
        #expect(rollback.map(\.kind) == [.inconsistency])
        #expect(rollback.first?.detail.contains("rolled back") == true)
        #expect(try state.record(for: "https://log.test.example") == kept)

        // Back to the honest log at its full size: consistent again.
        try fixture.log.write(to: fixture.folder.url)
        #expect(try await fixture.run().1.isEmpty)
    }

    @Test func refusesBadLogDataWithoutChangingTheState() async throws {
        let fixture = try Fixture()
        try fixture.append(300, watchedAt: [3])
        // A checkpoint signed by another key.
        let impostor = TestTiledLog(origin: fixture.log.origin, entries: fixture.log.entries)
        try fixture.folder.write("checkpoint", impostor.checkpoint())
        await #expect { try await fixture.run(fromIndex: 0) } throws: { ($0 as? MonitorError)?.kind == .log(.unverified) }
        #expect(try MonitorState(folder: fixture.stateFolder.path).record(for: "https://log.test.example") == nil)

        // A right-edge tile that does not hash to the checkpoint.
        try fixture.log.write(to: fixture.folder.url)
        var tile = try fixture.folder.read("tile/0/001.p/44")
        tile[0] ^= 1
        try fixture.folder.write("tile/0/001.p/44", tile)
        await #expect { try await fixture.run(fromIndex: 0) } throws: { ($0 as? MonitorError)?.kind == .log(.malformed) }
        #expect(try MonitorState(folder: fixture.stateFolder.path).record(for: "https://log.test.example") == nil)
    }

    @Test func aRunStoppedByBadDataResumesExactlyWhereItStopped() async throws {
        let fixture = try Fixture()
        try fixture.append(700, watchedAt: [100, 300, 600])
        // The second bundle is oversized garbage: the run stops after the first.
        let good = try fixture.folder.read("tile/entries/001")
        try fixture.folder.write("tile/entries/001", good + [0, 1, 0])
        var reported: [Finding] = []
        await #expect(throws: MonitorError.self) {
            _ = try await fixture.monitor().runOnce(fromIndex: 0) { reported.append($0) }
        }
        #expect(reported.map(\.logIndex) == [100])
        let state = try MonitorState(folder: fixture.stateFolder.path)
        #expect(try state.record(for: "https://log.test.example")?.scannedTo == 256)

        try fixture.folder.write("tile/entries/001", good)
        let (summary, rest) = try await fixture.run()
        #expect(summary.scannedFrom == 256 && summary.scannedTo == 700)
        #expect(rest.map(\.logIndex) == [300, 600])
        #expect(try state.search(log: "https://log.test.example", identity: Self.watched).map(\.logIndex) == [100, 300, 600])
        #expect(try state.search(log: "https://log.test.example", fingerprint: String(repeating: "0", count: 64)).isEmpty)
    }

    @Test func refusesAStateWhoseDatabaseFilesAreLinks() throws {
        for name in [MonitorState.databaseName, MonitorState.databaseName + "-wal", MonitorState.databaseName + "-shm"] {
            let folder = try TemporaryDirectory()
            let elsewhere = try TemporaryDirectory()
            try elsewhere.write("target", Array("untouched".utf8))
            try FileManager.default.createSymbolicLink(atPath: folder.file(name).path, withDestinationPath: elsewhere.file("target").path)
            #expect(throws: MonitorError.self, "\(name)") { try MonitorState(folder: folder.path) }
            #expect(try elsewhere.read("target") == Array("untouched".utf8))
        }
    }

    @Test func readsRekorMonitorsConfiguration() throws {
        let config = """
            {"monitoredValues": {
              "certIdentities": [{"certSubject": "https://github\\\\.com/example/.*", "issuers": ["https://token\\\\.actions\\\\.githubusercontent\\\\.com"]}],
              "fingerprints": ["\(String(repeating: "AB", count: 32))"],
              "fulcioExtensions": {"build-signer-uri": ["https://example.com/builder"]},
              "customExtensions": [{"objectIdentifier": "1.3.6.1.4.1.57264.1.12", "extensionValues": "https://github.com/example/project"}]
            }}
            """
        let policy = try MonitorPolicy(configuration: Array(config.utf8))
        #expect(policy.identities.count == 1)
        #expect(policy.identities[0].subject.matches("https://github.com/example/x"))
        #expect(!policy.identities[0].subject.matches("https://evil.example/https://github.com/example/x"))
        #expect(policy.fingerprints == [String(repeating: "ab", count: 32)])
        #expect(policy.extensions.map(\.number).sorted() == [9, 12])
        for bad in [
            #"{"monitoredValues": {"subjects": ["x"]}}"#, #"{"monitoredValues": {"certIdentities": [{"certSubject": "("}]}}"#,
            #"{"monitoredValues": {"customExtensions": [{"objectIdentifier": "2.5.29.17", "extensionValues": "x"}]}}"#, "[]",
        ] {
            #expect(throws: MonitorError.self) { try MonitorPolicy(configuration: Array(bad.utf8)) }
        }
    }
}
