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
struct RootReadAhead {
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
    private let url: (Int) -> URL
    private var pending: [Int: Task<Result<PreparedRoot, FetchError>, Never>] = [:]
    private let missing = LowestMissingVersion()

    /// Reads versions up to `last` through `fetcher`, each capped at `maximumBytes`.
    init(fetcher: any Fetcher, maximumBytes: Int, last: Int, url: @escaping (Int) -> URL) {
        self.fetcher = fetcher
        self.maximumBytes = maximumBytes
        self.last = last
        self.url = url
    }

    /// `version`, having started the fetch of the version after it once it arrived, and of the
    /// next few when the walk has already taken `stepsTaken` steps.
    mutating func next(_ version: Int, stepsTaken: Int) async throws(FetchError) -> PreparedRoot {
        // A version fetched on demand is checked against its own keys by the walk, side by side
        // with the check against the trusted root; one fetched ahead, by its own task.
        let task = pending.removeValue(forKey: version) ?? fetch(version, checkingItself: false)
        let ahead = Self.ahead(afterSteps: stepsTaken)
        // `last` may be Int.max: count the versions left rather than add to `version`.
        let count = min(ahead, lastWorthAsking - version)
        if count > 0 {
            for offset in 1...count where pending[version + offset] == nil {
                pending[version + offset] = fetch(version + offset, checkingItself: true)
            }
        }
        let result = await task.value
        // The version exists: its successor is the walk's next request, so start it now.
        if case .success = result, version < lastWorthAsking, pending[version + 1] == nil {
            pending[version + 1] = fetch(version + 1, checkingItself: true)
        }
        return try result.get()
    }

    /// The last version a request may still find: `last`, or the one before a version already
    /// found missing.
    private var lastWorthAsking: Int {
        missing.version.map { min(last, $0 - 1) } ?? last
    }

    /// Starts fetching `version`, the walk's first, before the walk begins.
    mutating func begin(_ version: Int) {
        if pending[version] == nil { pending[version] = fetch(version, checkingItself: true) }
    }

    /// Stops every fetch still in flight.
    func cancel() {
        for task in pending.values { task.cancel() }
    }

    /// A task fetching and preparing `version`, started now.
    private func fetch(_ version: Int, checkingItself: Bool) -> Task<Result<PreparedRoot, FetchError>, Never> {
        let fetcher = self.fetcher
        let maximumBytes = self.maximumBytes
        let address = url(version)
        let missing = self.missing
        return Task { () -> Result<PreparedRoot, FetchError> in
            do throws(FetchError) {
                let bytes = try await fetcher.fetch(address, maximumBytes: maximumBytes)
                return .success(PreparedRoot(bytes, checkingItself: checkingItself))
            } catch {
                if error.isNotFound { missing.record(version) }
                return .failure(error)
            }
        }
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
