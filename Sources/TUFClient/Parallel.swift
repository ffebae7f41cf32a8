import Dispatch
import Synchronization

/// Runs two independent pieces of work at once, on another core where there is one.
enum Parallel {
    /// The results of `first` and `second`, each run exactly once, possibly at the same time.
    static func both<A: Sendable, B: Sendable, Failure: Error>(
        _ first: @Sendable () throws(Failure) -> A,
        _ second: @Sendable () throws(Failure) -> B
    ) -> (Result<A, Failure>, Result<B, Failure>) {
        let firstResult = Mutex<Result<A, Failure>?>(nil)
        let secondResult = Mutex<Result<B, Failure>?>(nil)
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            if index == 0 {
                let result = Result { () throws(Failure) in try first() }
                firstResult.withLock { $0 = result }
            } else {
                let result = Result { () throws(Failure) in try second() }
                secondResult.withLock { $0 = result }
            }
        }
        // concurrentPerform returns only after both iterations ran, so both are set.
        return (firstResult.withLock { $0! }, secondResult.withLock { $0! })
    }
}
