import Foundation
import TestSupport
import Testing

/// The built `trustroot` executable, run as a user runs it.
enum TrustRootBinary {
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// `$TRUSTROOT_BINARY` when set (the README's installed build, which CI tests too); else
    /// the one beside the test runner, which sits in the build folder with the executables.
    static let url: URL =
        installedBuild.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? buildFolder.appendingPathComponent("trustroot")

    /// The folder of the test runner and the executables built with it.
    static let buildFolder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()

    /// The path in `$TRUSTROOT_BINARY`, if any.
    static let installedBuild = ProcessInfo.processInfo.environment["TRUSTROOT_BINARY"]

    /// Runs `trustroot` with `arguments` and `environment` added to the test's own, and waits.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Outcome {
        let outcome = try await Subprocess.finish(start(arguments, environment: environment))
        return Outcome(status: outcome.status, stdout: outcome.output, stderr: outcome.errors)
    }

    /// Runs `trustroot` on a pseudo-terminal (Tests/interop/pty_run.py), typing `answer` at its
    /// `[y/N]` question if it asks one; the output is everything it wrote to the terminal.
    static func atTerminal(_ arguments: [String], answering answer: String = "n", environment: [String: String] = [:]) async throws
        -> Subprocess.Outcome
    {
        try await Subprocess.run(
            command: ["python3", Python.interopDirectory.appendingPathComponent("pty_run.py").path, answer, url.path] + arguments,
            environment: environment
        )
    }

    /// What a run under Tests/interop/measure.py left: the exit status, the wall and CPU time,
    /// the peak resident memory and standard error (standard output goes to `stdout`, if given).
    struct Measurement {
        let status: Int32
        let seconds: Double
        let cpuSeconds: Double
        let peakKiB: Int
        let stderr: String
    }

    /// Runs `trustroot` with `arguments` under measure.py, which reports its peak memory alone.
    static func measured(_ arguments: [String], stdout: URL? = nil) async throws -> Measurement {
        let run = try await Subprocess.finish(
            try Subprocess.start(
                URL(fileURLWithPath: "/usr/bin/env"),
                ["python3", Python.interopDirectory.appendingPathComponent("measure.py").path, url.path] + arguments,
                environment: stdout.map { ["MEASURE_STDOUT": $0.path] } ?? [:]
            )
        )
        // measure.py reports seconds as a fraction, which the canonical parser refuses by design.
        guard let report = try? JSONSerialization.jsonObject(with: run.stdout) as? [String: Any], let peak = report["max_rss_kib"] as? Int,
            let status = report["status"] as? Int, let seconds = report["seconds"] as? Double,
            let cpuSeconds = report["cpu_seconds"] as? Double
        else { throw Python.Failure(description: "measure.py: \(run.output) \(run.errors)") }
        return Measurement(
            status: Int32(status),
            seconds: seconds,
            cpuSeconds: cpuSeconds,
            peakKiB: peak,
            stderr: report["stderr"] as? String ?? ""
        )
    }

    /// Starts `trustroot` without waiting; its output goes to pipes.
    static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        try #require(FileManager.default.isExecutableFile(atPath: url.path), "build the trustroot product first")
        return try Subprocess.start(url, arguments, environment: environment)
    }
}
