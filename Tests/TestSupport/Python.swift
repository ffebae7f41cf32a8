import Foundation

/// Runs the interop scripts under Tests/interop with the machine's python3. The peers (PyPI
/// `tuf`, `securesystemslib`) are installed by .ci/run; a missing one fails the test with a hint.
public enum Python {
    /// Tests/interop, where the peers' scripts are.
    public static let interopDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("interop")

    /// A script that could not run or failed.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong, with the script's standard error.
        public let description: String

        /// A failure described as `description`.
        public init(description: String) {
            self.description = description
        }
    }

    /// Runs `script` (a file in Tests/interop) with `arguments`, feeding `input` on standard input;
    /// returns standard output, and throws with standard error when the script fails.
    public static func run(_ script: String, _ arguments: [String] = [], input: [UInt8] = []) async throws -> String {
        let outcome = try await Subprocess.run(
            command: ["python3", interopDirectory.appendingPathComponent(script).path] + arguments,
            input: input
        )
        guard outcome.status == 0 else {
            if outcome.errors.contains("ModuleNotFoundError") {
                throw Failure(description: "python3 lacks an interop peer (pip install tuf securesystemslib): \(outcome.errors)")
            }
            throw Failure(description: "\(script) exited with \(outcome.status): \(outcome.errors)")
        }
        return outcome.output
    }
}

/// Data handed from a reader thread to the test.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?

    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data ?? Data() } }
    var isSet: Bool { lock.withLock { data != nil } }
}

/// A loopback HTTP server (Tests/interop/serve.py) serving a folder, or a proxy
/// (Tests/interop/proxy.py), stopped when released.
public final class LoopbackServer {
    private let process = Process()
    /// The server's base URL, `http://127.0.0.1:PORT`.
    public let baseURL: URL

    /// Starts serving `directory`.
    public convenience init(serving directory: URL) throws {
        try self.init(script: "serve.py", [directory.path])
    }

    /// Starts a proxy (Tests/interop/proxy.py) that appends each request line to `log`.
    public convenience init(proxyLoggingTo log: URL) throws {
        try self.init(script: "proxy.py", [log.path])
    }

    /// Starts Tests/interop/`script` with `arguments`; it prints its port on its first line.
    private init(script: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Python.interopDirectory.appendingPathComponent(script).path] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line: [UInt8] = []
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard let first = byte.first else { throw Python.Failure(description: "\(script) exited before printing its port") }
            if first == UInt8(ascii: "\n") { break }
            line.append(first)
        }
        baseURL = URL(string: "http://127.0.0.1:\(String(decoding: line, as: UTF8.self))")!
    }

    deinit {
        // SIGKILL: a SIGTERM may be ignored, since ignored signals are inherited from the parent.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
