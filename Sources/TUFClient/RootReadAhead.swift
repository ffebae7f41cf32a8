import Foundation
import Synchronization

/// Fetches the next versions of root while the current one is being verified, once a walk has
/// shown itself to be long.
///
/// A client many versions behind waits a round trip per version; fetching ahead overlaps those
/// waits with the signature checks. Once a version has arrived, the next one is fetched while it
/// is checked: the specification's sequence asks for that one next unless the check fails, so
/// this costs no request a valid repository would not get. Only a walk that has shown itself
/// long fetches further ahead: three versions, then half as many as it has taken steps (up to
/// ``maximumAhead``). The round trips hidden grow with the walk, while the requests it makes past
/// the last version the repository has never outnumber the steps it took. A version fetched
/// ahead is also parsed and checked against its own keys while the walk is busy with the one
/// before (a second core's work), but nothing is trusted ahead: each version is verified in
/// order, against the root before it, and what follows a missing version is dropped.
///
/// Once a fetch finds a version missing, no version after it is asked for: the walk ends there,
/// and with it the read-ahead, whose requests past the end would only be cancelled (which, over
/// HTTP/1.1, costs their connections).
struct RootReadAhead: Sendable {
    /// How many steps a walk takes before versions are fetched more than one ahead.
    static let startsAfter = 4
    /// The most versions in flight beyond the one the walk waits for: a long walk keeps both
    /// cores verifying only when enough round trips overlap, and the cap keeps the memory and
    /// the requests in flight bounded whatever the walk's length.
    static let maximumAhead = 15

    /// How many versions past the current one to have in flight after `stepsTaken` steps.
    static func ahead(afterSteps stepsTaken: Int) -> Int {
        stepsTaken >= startsAfter ? min(maximumAhead, max(3, stepsTaken / 2)) : 0
    }

    private let fetcher: any Fetcher
    private let maximumBytes: Int
    private let last: Int
    private let url: @Sendable (Int) -> URL
    private let pending = PendingRootFetches()
    private let missing = LowestMissingVersion()

    /// Reads versions up to `last` through `fetcher`, each capped at `maximumBytes`.
    init(fetcher: any Fetcher, maximumBytes: Int, last: Int, url: @escaping @Sendable (Int) -> URL) {
        self.fetcher = fetcher
        self.maximumBytes = maximumBytes
        self.last = last
        self.url = url
    }

    /// `version`, having started the fetch of the version after it once it arrived, and of the
    /// next few when the walk has already taken `stepsTaken` steps.
    func next(_ version: Int, stepsTaken: Int) async throws(FetchError) -> PreparedRoot {
        // A version fetched on demand is checked against its own keys by the walk, side by side
        // with the check against the trusted root; one fetched ahead, by its own task.
        let task = pending.take(version) ?? fetch(version, checkingItself: false)
        let ahead = Self.ahead(afterSteps: stepsTaken)
        // `last` may be Int.max: count the versions left rather than add to `version`.
        let count = min(ahead, lastWorthAsking - version)
        if count > 0 {
            for offset in 1...count { startFetch(version + offset) }
        }
        let result = await task.value
        // The version exists: its successor is the walk's next request. Its task started that
        // fetch on arrival if the walk was already waiting for it; if not, it starts now.
        if case .success = result, version < lastWorthAsking { startFetch(version + 1) }
        return try result.get()
    }

    /// The last version a request may still find: `last`, or the one before a version already
    /// found missing.
    private var lastWorthAsking: Int {
        missing.version.map { min(last, $0 - 1) } ?? last
    }

    /// Starts fetching `version`, the walk's first, before the walk begins.
    func begin(_ version: Int) {
        startFetch(version)
    }

    /// Stops every fetch in flight, and any a fetch in flight would start.
    func cancel() {
        pending.cancelAll()
    }

    /// Starts fetching and preparing `version` for the walk, unless that is under way.
    private func startFetch(_ version: Int) {
        pending.start(version) { fetch(version, checkingItself: true) }
    }

    /// A task fetching and preparing `version`, started now. When the version arrives while the
    /// walk waits for it, the task starts the fetch of the version after it before parsing or
    /// checking it: the walk asks for that one next unless this one fails its checks, and the
    /// request then overlaps them instead of following them. A version fetched ahead starts
    /// nothing, so what is in flight stays within the read-ahead's bound.
    private func fetch(_ version: Int, checkingItself: Bool) -> Task<Result<PreparedRoot, FetchError>, Never> {
        let fetcher = self.fetcher
        let maximumBytes = self.maximumBytes
        let address = url(version)
        let missing = self.missing
        let readAhead = self
        return Task { () -> Result<PreparedRoot, FetchError> in
            do throws(FetchError) {
                let bytes = try await fetcher.fetch(address, maximumBytes: maximumBytes)
                if readAhead.pending.isAwaited(version), version < readAhead.lastWorthAsking { readAhead.startFetch(version + 1) }
                return .success(PreparedRoot(bytes, checkingItself: checkingItself))
            } catch {
                if error.isNotFound { missing.record(version) }
                return .failure(error)
            }
        }
    }
}

/// The fetches of a walk's root versions that the walk has not taken yet, by version, shared by
/// the walk and the fetches that start their successors.
final class PendingRootFetches: Sendable {
    private struct State {
        var tasks: [Int: Task<Result<PreparedRoot, FetchError>, Never>] = [:]
        /// The version the walk last took, and waits for until it arrives.
        var awaited: Int?
        var cancelled = false
    }

    private let state = Mutex(State())

    /// Keeps the task `start` makes for `version`, unless one is kept already or the walk was
    /// cancelled; `start` runs only when the task is kept.
    func start(_ version: Int, _ start: () -> Task<Result<PreparedRoot, FetchError>, Never>) {
        state.withLock { state in
            guard !state.cancelled, state.tasks[version] == nil else { return }
            state.tasks[version] = start()
        }
    }

    /// The task kept for `version`, no longer kept, the walk now waiting for that version.
    func take(_ version: Int) -> Task<Result<PreparedRoot, FetchError>, Never>? {
        state.withLock { state in
            state.awaited = version
            return state.tasks.removeValue(forKey: version)
        }
    }

    /// Whether the walk has taken `version` and waits for it.
    func isAwaited(_ version: Int) -> Bool {
        state.withLock { $0.awaited == version }
    }

    /// Cancels every task kept, and keeps none from now on.
    func cancelAll() {
        let tasks = state.withLock { state in
            state.cancelled = true
            defer { state.tasks = [:] }
            return Array(state.tasks.values)
        }
        for task in tasks { task.cancel() }
    }
}

/// The lowest root version a walk's fetches have found missing, written by the fetch tasks and
/// read by the walk.
final class LowestMissingVersion: Sendable {
    private let lowest = Mutex<Int?>(nil)

    /// The lowest version found missing so far, or nil.
    var version: Int? { lowest.withLock { $0 } }

    /// Notes that `version` was found missing.
    func record(_ version: Int) {
        lowest.withLock { $0 = min($0 ?? version, version) }
    }
}
