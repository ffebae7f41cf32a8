import Foundation

/// A task executor with a thread of its own, for tests whose assertions depend on how soon an
/// await resumes.
///
/// In a full run, many suites share the process, and some block the cooperative threads while
/// a subprocess or a blocking read finishes; an await that resumes on those threads then waits
/// its turn, for minutes at times. Run under ``run(_:)``, every job of the operation runs on
/// this executor's thread, which only these tests use, so a server's keep-alive or a timeout
/// measured by the test sees the client as the client behaves on its own.
public final class OwnThreadExecutor: TaskExecutor, @unchecked Sendable {
    /// The executor the tests of this process share: their jobs are short, as each only waits.
    public static let shared = OwnThreadExecutor()

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    private init() {
        let thread = Thread { [self] in runJobs() }
        thread.name = "OwnThreadExecutor"
        thread.start()
    }

    /// Queues `job` for this executor's thread.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.withLock {
            jobs.append(job)
            condition.signal()
        }
    }

    /// Runs `operation`, with every job it leads to, on this executor's thread.
    public func run<Result: Sendable>(_ operation: @Sendable () async throws -> Result) async throws -> Result {
        try await withTaskExecutorPreference(self) { try await operation() }
    }

    private func runJobs() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
