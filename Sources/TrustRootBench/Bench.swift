import Foundation

/// `trustroot-bench`: measurements that are not tests, printed as one JSON report.
///
/// - `trustroot-bench foundation [--seconds S]`: canonical JSON and signature throughput.
/// - `trustroot-bench verify --assets DIR [--seconds S]`: Sigstore bundle verification against
///   sigstore-python (PyPI `sigstore`), in process and per process.
/// - `trustroot-bench client [--rotations N,…] [--runs R] [--sigstore-mirror DIR --faketime T]`:
///   refresh time and peak memory of `trustroot client refresh` against python-tuf's ngclient
///   over loopback, on synthetic root chains and optionally on a Sigstore repository mirror.
/// - `trustroot-bench monitor [--entries N,…] [--runs R]`: entries per second `trustroot monitor`
///   scans from a tiled log in a folder and over loopback HTTP, and its peak memory.
@main
struct Bench {
    static func main() async throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let command =
            arguments.first.map {
                arguments.removeFirst(); return $0
            } ?? "foundation"
        var options: [String: String] = [:]
        while !arguments.isEmpty {
            let name = arguments.removeFirst()
            guard name.hasPrefix("--"), !arguments.isEmpty else { benchmarkFailure("unexpected argument \(name)") }
            options[String(name.dropFirst(2))] = arguments.removeFirst()
        }
        let report: [String: Any]
        switch command {
        case "foundation":
            report = try FoundationBenchmark.run(seconds: Double(options["seconds"] ?? "1") ?? 1)
        case "client":
            let server = options["server"] ?? "nio"
            guard server == "nio" || server == "python" else { benchmarkFailure("--server is nio or python, not \(server)") }
            let rotations = (options["rotations"] ?? "100,1000").split(separator: ",").compactMap { Int($0) }
            report = try ClientBenchmark(
                rotations: rotations,
                runs: Int(options["runs"] ?? "3") ?? 3,
                sigstoreMirror: options["sigstore-mirror"],
                faketime: options["faketime"],
                keep: options["keep"],
                pythonServer: server == "python"
            ).run()
        case "monitor":
            let sizes = (options["entries"] ?? "20000,100000").split(separator: ",").compactMap { Int($0) }
            report = try MonitorBenchmark(sizes: sizes, runs: Int(options["runs"] ?? "3") ?? 3).run()
        case "serve":
            // The benchmark's server on its own, for profiling a client against it by hand.
            guard let folder = options["folder"] else { benchmarkFailure("serve needs --folder DIR") }
            let server = try StaticFileServer(serving: URL(fileURLWithPath: folder))
            FileHandle.standardOutput.write(Data((server.baseURL + "\n").utf8))
            while true { sleep(3600) }
        case "verify":
            guard let assets = options["assets"] else {
                benchmarkFailure("verify needs --assets DIR (sigstore-conformance test/assets/bundle-verify)")
            }
            report = try await VerifyBenchmark(assets: URL(fileURLWithPath: assets), seconds: Double(options["seconds"] ?? "2") ?? 2).run()
        case "--help", "-h", "help":
            print(
                """
                usage: trustroot-bench foundation [--seconds S]
                       trustroot-bench client [--rotations 100,1000] [--runs 3] [--sigstore-mirror DIR [--faketime 'YYYY-MM-DD']] [--keep DIR] [--server nio|python]
                       trustroot-bench monitor [--entries 20000,100000] [--runs 3]
                       trustroot-bench serve --folder DIR
                       trustroot-bench verify --assets SIGSTORE_CONFORMANCE/test/assets/bundle-verify [--seconds 2]
                Prints a JSON report. Build as the README's Benchmarks section says, so trustroot, built the same way, sits beside trustroot-bench.
                """
            )
            return
        default:
            benchmarkFailure("unknown benchmark \(command)")
        }
        let json = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        FileHandle.standardOutput.write(json + Data("\n".utf8))
    }
}

func benchmarkFailure(_ message: String) -> Never {
    FileHandle.standardError.write(Data("trustroot-bench: \(message)\n".utf8))
    exit(64)
}
