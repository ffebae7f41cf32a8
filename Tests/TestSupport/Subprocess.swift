import Foundation

/// Runs a program to completion for a test, feeding standard input and reading standard output
/// and error at the same time, so that no pipe fills up and stalls either side.
public enum Subprocess {
    /// What a finished program left.
    public struct Outcome: Sendable {
        /// The exit status.
        public let status: Int32
        /// Everything written to standard output.
        public let stdout: Data
        /// Everything written to standard error.
        public let stderr: Data

        /// Standard output as text.
        public var output: String { String(decoding: stdout, as: UTF8.self) }
        /// Standard error as text.
        public var errors: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// Starts `executable` with `arguments` (and `environment` added to the test's own), with
    /// pipes for all three standard streams.
    public static func start(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = Pipe()
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        return process
    }

    /// Runs `executable` and waits for it.
    public static func run(
        _ executable: URL,
        _ arguments: [String],
        input: [UInt8] = [],
        environment: [String: String] = [:]
    ) async throws -> Outcome {
        try await finish(start(executable, arguments, environment: environment), input: input)
    }

    /// Runs a program found on the PATH, such as `openssl` or `python3`, and waits for it.
    public static func run(command: [String], input: [UInt8] = [], environment: [String: String] = [:]) async throws -> Outcome {
        try await run(URL(fileURLWithPath: "/usr/bin/env"), command, input: input, environment: environment)
    }

    /// Runs a program found on the PATH and waits for it on the calling thread: only for set-up
    /// that cannot be asynchronous (a lazily made shared fixture), since it holds a thread of the
    /// test runner's small pool, on which every other test's network answers also wait.
    public static func runBlocking(command: [String], input: [UInt8] = []) throws -> Outcome {
        try collect(start(URL(fileURLWithPath: "/usr/bin/env"), command), input: input)
    }

    /// Collects the output of a process that `start` began, ending it if it runs longer than
    /// `seconds` (a test of a refusal must not hang when the refusal regresses into a wait).
    ///
    /// - Returns: the outcome, and whether the process had to be ended.
    public static func finish(_ process: Process, within seconds: TimeInterval) async throws -> (Outcome, timedOut: Bool) {
        let ended = LockedData()
        let running = process
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            if running.isRunning {
                ended.set(Data([1]))
                running.terminate()
            }
        }
        let outcome = try await finish(process)
        return (outcome, ended.isSet)
    }

    /// Feeds `input` to a process that `start` began, collects its output and waits for it.
    ///
    /// The waiting happens on a thread of its own: the test runner's pool has a thread per core,
    /// and a test holding one while a program runs would stall the other tests' network answers
    /// until their deadlines passed.
    public static func finish(_ process: Process, input: [UInt8] = []) async throws -> Outcome {
        let running = process
        return try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try collect(running, input: input) }) }.start()
        }
    }

    /// Waits for a process to end, on a thread of its own.
    public static func wait(_ process: Process) async {
        let running = process
        await withCheckedContinuation { continuation in
            Thread {
                running.waitUntilExit()
                continuation.resume()
            }.start()
        }
    }

    /// Feeds `input`, collects the output and waits, on the calling thread.
    private static func collect(_ process: Process, input: [UInt8]) throws -> Outcome {
        let stdin = process.standardInput as! Pipe
        let writer = Thread {
            stdin.fileHandleForWriting.write(Data(input))
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let errors = LockedData()
        let reader = Thread { errors.set((process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let output = (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errors.isSet { Thread.sleep(forTimeInterval: 0.005) }
        return Outcome(status: process.terminationStatus, stdout: output, stderr: errors.get())
    }
}
