import Foundation

/// Fetches the next versions of root while the current one is being verified, once a walk has
/// shown itself to be long.
///
/// A client many versions behind waits a round trip per version; fetching a few ahead overlaps
/// those waits with the signature checks. Short walks, the common case, make exactly the
/// requests the specification's sequence names, and a long one makes at most ``window`` - 1
/// requests past the newest version. Bytes fetched ahead are only bytes: each version is
/// verified in order, against the root before it, and what follows a missing version is dropped.
struct RootReadAhead {
    /// How many steps a walk takes before versions are fetched ahead.
    static let startsAfter = 4
    /// How many versions may be in flight at once.
    static let window = 4

    private let fetcher: any Fetcher
    private let maximumBytes: Int
    private let last: Int
    private let url: (Int) -> URL
    private var pending: [Int: Task<Result<[UInt8], FetchError>, Never>] = [:]

    /// Reads versions up to `last` through `fetcher`, each capped at `maximumBytes`.
    init(fetcher: any Fetcher, maximumBytes: Int, last: Int, url: @escaping (Int) -> URL) {
        self.fetcher = fetcher
        self.maximumBytes = maximumBytes
        self.last = last
        self.url = url
    }

    /// The bytes of `version`, having started the fetches of the versions after it when the walk
    /// has already taken `stepsTaken` steps.
    mutating func next(_ version: Int, stepsTaken: Int) async throws(FetchError) -> [UInt8] {
        let task = pending.removeValue(forKey: version) ?? fetch(version)
        let ahead = stepsTaken >= Self.startsAfter ? Self.window - 1 : 0
        // `last` may be Int.max: count the versions left rather than add to `version`.
        let count = min(ahead, last - version)
        if count > 0 {
            for offset in 1...count where pending[version + offset] == nil { pending[version + offset] = fetch(version + offset) }
        }
        return try await task.value.get()
    }

    /// Stops every fetch still in flight.
    func cancel() {
        for task in pending.values { task.cancel() }
    }

    /// A task fetching `version`, started now.
    private func fetch(_ version: Int) -> Task<Result<[UInt8], FetchError>, Never> {
        let fetcher = self.fetcher
        let maximumBytes = self.maximumBytes
        let address = url(version)
        return Task { () -> Result<[UInt8], FetchError> in
            do throws(FetchError) {
                return .success(try await fetcher.fetch(address, maximumBytes: maximumBytes))
            } catch {
                return .failure(error)
            }
        }
    }
}
