import Crypto
import Foundation
import TestSupport
import TransparencyLog

/// How fast `trustroot monitor` scans a tiled log, from a folder and over loopback HTTP, and
/// whether its memory stays flat as the log grows.
///
/// Each log holds Rekor v2 hashedrekord entries whose Fulcio-style certificates (a few hundred,
/// reused, so building the log stays quick) each carry an SCT and the issuer extensions, the
/// shape of the public log's entries; one identity in 256 is the watched one. Every entry is
/// read, checked against its leaf, parsed, indexed in SQLite, and matched.
struct MonitorBenchmark {
    let sizes: [Int]
    let runs: Int

    static let watched = "https://github.com/example/project/.github/workflows/release.yml@refs/heads/main"

    func run() throws -> [String: Any] {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("trustroot-monitor-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let instance = try TestInstance()
        let key = P256.Signing.PrivateKey()
        let certificates = try (0..<256).map { index in
            TestInstance.der(
                try instance.issue(
                    to: .init(key.publicKey),
                    identity: index == 0
                        ? Self.watched : "https://github.com/example/repo\(index)/.github/workflows/ci.yml@refs/heads/main",
                    at: instance.epoch.addingTimeInterval(Double(index))
                )
            )
        }
        var results: [[String: Any]] = []
        for size in sizes {
            let folder = work.appendingPathComponent("log-\(size)")
            var log = TestTiledLog(origin: "log.bench.example/v2")
            log.entries = (0..<size).map { index in
                TestTiledLog.hashedRekordEntry(
                    certificate: certificates[index % 256],
                    digest: Array(SHA256.hash(data: withUnsafeBytes(of: index) { Array($0) }))
                )
            }
            try log.write(to: folder)
            let server = try StaticFileServer(serving: folder)
            defer { server.stop() }
            let trustedRoot = work.appendingPathComponent("trusted_root-\(size).json")
            try Data(try log.adding(to: instance.trustedRoot(), baseURL: server.baseURL)).write(to: trustedRoot)
            var row: [String: Any] = ["entries": size]
            for (name, url) in [("folder", folder.path), ("loopback_http", server.baseURL)] {
                var best: (seconds: Double, cpu: Double) = (.infinity, .infinity)
                var peak = 0
                for run in 0..<runs {
                    let state = work.appendingPathComponent("state-\(size)-\(name)-\(run)")
                    let measured = try Self.measure([
                        ClientBenchmark.trustroot.path, "monitor", "--log-url", url, "--state", state.path, "--once", "--from-index", "0",
                        "--identity", Self.watched, "--trusted-root", trustedRoot.path,
                    ])
                    if measured.seconds < best.seconds { best = (measured.seconds, measured.cpu) }
                    peak = max(peak, measured.peakKiB)
                }
                row[name] = [
                    "seconds": (best.seconds * 1000).rounded() / 1000, "cpu_seconds": (best.cpu * 1000).rounded() / 1000,
                    "entries_per_second": Int(Double(size) / best.seconds), "entries_per_cpu_second": Int(Double(size) / best.cpu),
                    "max_rss_kib": peak,
                ]
            }
            results.append(row)
        }
        return ["benchmark": "monitor", "runs_per_measurement": runs, "logs": results]
    }

    /// A monitor run under measure.py: wall and CPU time, peak memory. Exit 1 (findings) is the
    /// expected outcome; anything else fails the benchmark.
    static func measure(_ command: [String]) throws -> (seconds: Double, cpu: Double, peakKiB: Int) {
        let result = try ClientBenchmark.execute(["python3", ClientBenchmark.interop.appendingPathComponent("measure.py").path] + command)
        guard let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any],
            let status = json["status"] as? Int, status == 1, let seconds = json["seconds"] as? Double,
            let cpu = json["cpu_seconds"] as? Double, let rss = json["max_rss_kib"] as? Int
        else { benchmarkFailure("monitor run failed: \(result.output)") }
        return (seconds, cpu, rss)
    }
}
