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

    /// The test runner sits in the build folder beside the executables built with it.
    static let url: URL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("trustroot")

    /// Runs `trustroot` with `arguments` and `environment` added to the test's own, and waits.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        let outcome = try Subprocess.finish(start(arguments, environment: environment))
        return Outcome(status: outcome.status, stdout: outcome.output, stderr: outcome.errors)
    }

    /// Starts `trustroot` without waiting; its output goes to pipes.
    static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        try #require(FileManager.default.isExecutableFile(atPath: url.path), "build the trustroot product first")
        return try Subprocess.start(url, arguments, environment: environment)
    }
}
