import Foundation

/// A task executor that runs its jobs on the thread that calls ``run(_:)``.
///
/// `trustroot verify` is one short chain of awaits. On the global executor the first of them
/// starts worker threads and each may hand the work to another thread; run here, a verification
/// stays on the main thread from start to end: no worker thread is started (three were), about
/// half a millisecond of a process that takes ten to fifteen.
/// Code isolated to the main actor must not run under it: the main thread is busy running jobs.
final class CurrentThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var finished = false
    private var failure: (any Error)?

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.withLock {
            jobs.append(job)
            condition.signal()
        }
    }

    /// Runs `operation`, and every job it leads to, on this thread; returns when it has ended.
    @available(macOS 15, *)
    func run(_ operation: @escaping @Sendable () async throws -> Void) throws {
        Task(executorPreference: self) {
            var failure: (any Error)?
            do { try await operation() } catch { failure = error }
            self.condition.withLock {
                self.failure = failure
                self.finished = true
                self.condition.signal()
            }
        }
        while true {
            condition.lock()
            while jobs.isEmpty && !finished { condition.wait() }
            guard !jobs.isEmpty else {
                condition.unlock()
                break
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
        if let failure = condition.withLock({ failure }) { throw failure }
    }
}
