import Crypto
import Foundation
import NetworkTransport
import Plumbing
import Sigstore
import TUF
import TestSupport
import Testing
import TransparencyLog

@testable import LogMonitor

/// The monitor over a Rekor v1 log served by the loopback stand-in: findings named by the
/// log's own indexes on a sharded log, dated by the log's integrated time, and a rewritten log
/// found as a fork.
@Suite("Log monitor over Rekor v1")
struct RekorV1MonitorTests {
    static let watched = "https://github.com/example/project/.github/workflows/release.yml@refs/heads/main"

    @Test func findsIdentitiesByLogIndexAndAFork() async throws {
        let services = try TestSigstoreServices()
        services.logShardOffset = 5_000
        let instance = services.instance
        let key = P256.Signing.PrivateKey()
        let start = instance.leaves.count
        func append(_ count: Int, watchedAt: Set<Int>) throws {
            for _ in 0..<count {
                let position = instance.leaves.count
                let identity = watchedAt.contains(position) ? Self.watched : "https://example.com/other/\(position)"
                let certificate = try instance.issue(
                    to: .init(key.publicKey),
                    identity: identity,
                    at: instance.epoch.addingTimeInterval(-1)
                )
                _ = instance.append(
                    TestInstance.hashedRekordV1Entry(
                        certificate: TestInstance.der(certificate),
                        digest: Array(SHA256.hash(data: Array("\(position)".utf8)))
                    )
                )
            }
        }
        try append(30, watchedAt: [start + 3, start + 22])
        let trustedRoot = try TrustedRoot(bytes: instance.trustedRoot())
        let stateFolder = try TemporaryDirectory()
        let log = RekorV1Log(
            baseURL: services.logURL,
            keys: trustedRoot.transparencyLogs.map(TrustedLogKey.init),
            transport: HTTPClientTransport(idleTimeout: 10, transferTimeout: 30)
        )
        let monitor = LogMonitor(
            url: services.logURL.absoluteString,
            log: log,
            policy: MonitorPolicy(identities: [.init(subject: WholeStringPattern(exactly: Self.watched))]),
            trustedRoot: trustedRoot,
            state: try MonitorState(folder: stateFolder.path)
        )

        var reported: [Finding] = []
        let summary = try await monitor.runOnce(fromIndex: 0) { reported.append($0) }
        #expect(summary.scannedTo == Int64(start + 30))
        #expect(reported.map(\.logIndex) == [Int64(5_000 + start + 3), Int64(5_000 + start + 22)])
        #expect(reported.allSatisfy { $0.integratedTime == Int64(instance.epoch.timeIntervalSince1970) })

        try append(5, watchedAt: [start + 32])
        reported = []
        _ = try await monitor.runOnce { reported.append($0) }
        #expect(reported.map(\.logIndex) == [Int64(5_000 + start + 32)])

        services.inject(.logRewritten)
        reported = []
        _ = try await monitor.runOnce { reported.append($0) }
        #expect(reported.map(\.kind) == [.inconsistency])
        let state = try MonitorState(folder: stateFolder.path)
        #expect(try state.record(for: services.logURL.absoluteString)?.scannedTo == Int64(start + 35))
    }
}
