import Foundation
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
        let process = try start(arguments, environment: environment)
        let (stdout, stderr) = (process.standardOutput as! Pipe, process.standardError as! Pipe)
        let errorData = LockedBox<Data>()
        let reader = Thread { errorData.value = stderr.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while errorData.value == nil { Thread.sleep(forTimeInterval: 0.005) }
        return Outcome(
            status: process.terminationStatus,
            stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData.value ?? Data(), as: UTF8.self)
        )
    }

    /// Starts `trustroot` without waiting; its output goes to pipes.
    static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        try #require(FileManager.default.isExecutableFile(atPath: url.path), "build the trustroot product first")
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        return process
    }
}

/// A value handed between threads.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value?

    var value: Value? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
