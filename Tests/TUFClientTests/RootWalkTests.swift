import Foundation
import TUF
import TUFClient
import TestSupport
import Testing

/// Long root chains: versions fetched ahead, each verified in order, and the newest verified
/// root stored once, whichever way the walk ends.
@Suite("Root walk")
struct RootWalkTests {
    /// A consistent-snapshot repository whose root goes through `versions` versions, each signed
    /// by its own key and by the key of the version before; `broken` versions carry a signature
    /// by a key nobody trusts instead of their predecessor's.
    struct Chain {
        let folder: TemporaryDirectory
        let firstRoot: [UInt8]

        init(versions: Int, broken: Set<Int> = [], firstVersion: Int = 1) throws {
            folder = try TemporaryDirectory()
            let metadata = folder.file("metadata")
            try FileManager.default.createDirectory(at: metadata, withIntermediateDirectories: true)
            let expires = Date().addingTimeInterval(86_400)
            let online = try InMemorySigner(generating: .ed25519)
            let onlineRole = Role(keyIDs: [online.publicKey.keyID], threshold: 1)
            var previous: InMemorySigner?
            var first: [UInt8] = []
            for version in firstVersion...(firstVersion + (versions - 1)) {
                let holder = try InMemorySigner(generating: .ed25519)
                var root = Metadata(
                    signed: Root(
                        version: version,
                        expires: expires,
                        keys: [holder.publicKey.keyID: holder.publicKey, online.publicKey.keyID: online.publicKey],
                        roles: [
                            "root": Role(keyIDs: [holder.publicKey.keyID], threshold: 1), "timestamp": onlineRole,
                            "snapshot": onlineRole, "targets": onlineRole,
                        ]
                    )
                )
                try root.sign(with: holder)
                if let previous { try root.sign(with: broken.contains(version) ? try InMemorySigner(generating: .ed25519) : previous) }
                let bytes = root.encoded()
                if version == firstVersion { first = bytes }
                try Data(bytes).write(to: metadata.appendingPathComponent("\(version).root.json"))
                previous = holder
            }
            firstRoot = first
            var targets = Metadata(signed: Targets(expires: expires))
            try targets.sign(with: online)
            try Data(targets.encoded()).write(to: metadata.appendingPathComponent("1.targets.json"))
            var snapshot = Metadata(signed: Snapshot(expires: expires, meta: ["targets.json": MetaFile(version: 1)]))
            try snapshot.sign(with: online)
            try Data(snapshot.encoded()).write(to: metadata.appendingPathComponent("1.snapshot.json"))
            var timestamp = Metadata(signed: Timestamp(expires: expires, snapshotMeta: MetaFile(version: 1)))
            try timestamp.sign(with: online)
            try Data(timestamp.encoded()).write(to: metadata.appendingPathComponent("timestamp.json"))
        }

        /// An updater over a new cache trusting version 1, fetching through `fetcher`.
        func updater(_ fetcher: any Fetcher, configuration: UpdaterConfiguration = UpdaterConfiguration()) throws -> Updater {
            let cache = try MetadataCache(directory: folder.file("cache-\(UUID().uuidString)"))
            try cache.bootstrap(rootBytes: firstRoot)
            return Updater(cache: cache, metadataBaseURL: folder.file("metadata"), fetcher: fetcher, configuration: configuration)
        }
    }

    /// Records every URL asked for, and how many fetches were in flight at most.
    final class CountingFetcher: Fetcher, @unchecked Sendable {
        private let lock = NSLock()
        private var requested: [String] = []
        private var log: [String] = []
        private var inFlight = 0
        private var mostInFlight = 0

        func fetch(_ url: URL, maximumBytes: Int) async throws(FetchError) -> [UInt8] {
            lock.withLock {
                requested.append(url.lastPathComponent)
                log.append(url.lastPathComponent)
                inFlight += 1
                mostInFlight = max(mostInFlight, inFlight)
            }
            defer { lock.withLock { inFlight -= 1 } }
            // Long enough that fetches started together overlap.
            try? await Task.sleep(nanoseconds: 2_000_000)
            return try await FileFetcher().fetch(url, maximumBytes: maximumBytes)
        }

        var requests: [String] { lock.withLock { requested } }
        /// The requests interleaved with what ``note(_:)`` recorded, in order.
        var events: [String] { lock.withLock { log } }

        /// Records `event` between the requests.
        func note(_ event: String) { lock.withLock { log.append(event) } }
        var concurrency: Int { lock.withLock { mostInFlight } }
    }

    /// Records each request and each version found missing, in order.
    final class MissingNotingFetcher: Fetcher, @unchecked Sendable {
        private let lock = NSLock()
        private var log: [String] = []

        func fetch(_ url: URL, maximumBytes: Int) async throws(FetchError) -> [UInt8] {
            let name = url.lastPathComponent
            lock.withLock { log.append(name) }
            do {
                return try await FileFetcher().fetch(url, maximumBytes: maximumBytes)
            } catch {
                if error.isNotFound { lock.withLock { log.append("missing \(name)") } }
                throw error
            }
        }

        var events: [String] { lock.withLock { log } }
    }

    static func roots(_ requests: [String]) -> [Int] {
        requests.compactMap { $0.hasSuffix(".root.json") ? Int($0.split(separator: ".")[0]) : nil }
    }

    @Test func aShortWalkAsksForExactlyTheSpecificationsSequence() async throws {
        let chain = try Chain(versions: 3)
        let fetcher = CountingFetcher()
        var updater = try chain.updater(fetcher)
        try await updater.refresh()
        #expect(updater.trusted?.root.signed.version == 3)
        #expect(fetcher.requests == ["2.root.json", "3.root.json", "4.root.json", "timestamp.json", "1.snapshot.json", "1.targets.json"])
    }

    /// Each version's successor is asked for as soon as the version arrives, while it is being
    /// checked, not after: the walk waits for the network once, not once a version.
    @Test func theNextVersionIsFetchedWhileTheCurrentOneIsChecked() async throws {
        let chain = try Chain(versions: 3)
        let fetcher = CountingFetcher()
        var updater = try chain.updater(fetcher)
        // Called once a version is trusted and before the walk asks for the next: it waits (up to
        // a bound no scheduler needs) for that next request to show up, which it does only if
        // the request was already under way.
        updater.onRootUpdate = { version in
            let deadline = Date().addingTimeInterval(10)
            while !fetcher.requests.contains("\(version + 1).root.json") && Date() < deadline {
                try? await Task.sleep(for: .milliseconds(1))
            }
            fetcher.note("trusted \(version)")
        }
        try await updater.refresh()
        let events = fetcher.events
        #expect(
            events == [
                "2.root.json", "3.root.json", "trusted 2", "4.root.json", "trusted 3", "timestamp.json", "1.snapshot.json",
                "1.targets.json",
            ]
        )
    }

    /// A walk fetches more versions ahead the longer it has gone, up to fifteen: past the
    /// missing version the specification asks for, it never asks for more versions than it
    /// took steps, however long it is.
    @Test(arguments: [7, 12, 40])
    func aLongWalkFetchesAheadAndAsksForFewVersionsPastTheEnd(versions: Int) async throws {
        let chain = try Chain(versions: versions)
        let fetcher = CountingFetcher()
        var updater = try chain.updater(fetcher)
        try await updater.refresh()
        #expect(updater.trusted?.root.signed.version == versions)
        let roots = Self.roots(fetcher.requests)
        #expect(Set(roots).count == roots.count, "\(roots)")
        #expect(Set(2...(versions + 1)).isSubset(of: Set(roots)), "\(roots)")
        let stepsTaken = versions - 1
        #expect(roots.max()! - (versions + 1) <= min(15, stepsTaken), "\(roots)")
        #expect(fetcher.concurrency > 1, "no version was fetched ahead")
        // Stored once, and what is stored is the newest.
        let stored = try #require(updater.cache.read("root", maximumBytes: 512_000))
        #expect(try Metadata<Root>(bytes: stored).signed.version == versions)
    }

    /// Once a fetch has found a version missing, the walk asks for no version past it: those
    /// requests could only be cancelled when the walk ends there. The walk is held before its
    /// last step until the version after the last has been answered missing; that step, which
    /// the walk's length would have read five versions ahead, then asks for nothing more.
    @Test func noVersionPastOneFoundMissingIsAskedFor() async throws {
        let versions = 12
        let chain = try Chain(versions: versions)
        let fetcher = MissingNotingFetcher()
        var updater = try chain.updater(fetcher)
        let missing = "missing \(versions + 1).root.json"
        updater.onRootUpdate = { version in
            guard version == versions - 1 else { return }
            let deadline = Date().addingTimeInterval(10)
            while !fetcher.events.contains(missing) && Date() < deadline {
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
        try await updater.refresh()
        #expect(updater.trusted?.root.signed.version == versions)
        let events = fetcher.events
        #expect(events.contains(missing), "\(events)")
        // The steps before the last read at most three past the end; the last step alone would
        // have asked for two versions more.
        let roots = Self.roots(events)
        #expect(roots.max()! <= versions + 3, "\(events)")
        #expect(Set(roots).count == roots.count, "\(events)")
    }

    @Test func aBadVersionAfterFetchingAheadLeavesTheOneBeforeItTrustedAndStored() async throws {
        let chain = try Chain(versions: 30, broken: [21])
        var updater = try chain.updater(CountingFetcher())
        await #expect {
            try await updater.refresh()
        } throws: { error in
            guard case UpdateError.thresholdNotMet(role: "root", _) = error else { return false }
            return true
        }
        let stored = try #require(updater.cache.read("root", maximumBytes: 512_000))
        #expect(try Metadata<Root>(bytes: stored).signed.version == 20)
        // The next refresh starts from there and fails at the same version, not earlier.
        let fetcher = CountingFetcher()
        var again = Updater(cache: updater.cache, metadataBaseURL: chain.folder.file("metadata"), fetcher: fetcher)
        await #expect(throws: UpdateError.self) { try await again.refresh() }
        #expect(Self.roots(fetcher.requests).first == 21)
    }

    /// A walk pinned to the largest version metadata may carry (2^53 - 1, as JSON numbers are
    /// read) reaches it and asks for nothing past it.
    @Test func aWalkPinnedToTheLargestVersionStopsThere() async throws {
        let largest = (1 << 53) - 1
        let chain = try Chain(versions: 2, firstVersion: largest - 1)
        let fetcher = CountingFetcher()
        var configuration = UpdaterConfiguration()
        configuration.pinnedRootVersion = largest
        var updater = try chain.updater(fetcher, configuration: configuration)
        try await updater.refresh()
        #expect(updater.trusted?.root.signed.version == largest)
        #expect(Self.roots(fetcher.requests) == [largest])
    }

    @Test func theRotationLimitBoundsTheFetchesAhead() async throws {
        let chain = try Chain(versions: 40)
        let fetcher = CountingFetcher()
        var configuration = UpdaterConfiguration()
        configuration.maximumRootRotations = 12
        var updater = try chain.updater(fetcher, configuration: configuration)
        try await updater.refresh()
        #expect(updater.trusted?.root.signed.version == 13)
        #expect(Self.roots(fetcher.requests).max() == 13, "\(fetcher.requests)")
    }
}
