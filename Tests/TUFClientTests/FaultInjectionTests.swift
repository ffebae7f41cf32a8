import Foundation
import TUF
import TUFClient
import TestSupport
import Testing

/// An update interrupted at any write leaves a cache from which the next update succeeds.
@Suite("Interrupted updates")
struct FaultInjectionTests {
    /// Fails the write with the given index (counting from 1), once.
    final class WriteFault: @unchecked Sendable {
        private let lock = NSLock()
        private let failing: Int
        private var count = 0
        private(set) var failedRole: String?

        init(failing: Int) { self.failing = failing }

        func check(_ role: String) throws(UpdateError) {
            let shouldFail = lock.withLock { () -> Bool in
                count += 1
                if count == failing { failedRole = role }
                return count == failing
            }
            if shouldFail { throw .storage(path: role, reason: "injected I/O error") }
        }

        var writes: Int { lock.withLock { count } }
    }

    @Test func everyInterruptedWriteIsRecoverable() async throws {
        let folder = try TemporaryDirectory()
        _ = try await Python.run("tuf_repo.py", [folder.file("repo").path])
        let metadataURL = folder.file("repo/metadata")
        let initialRoot = try folder.read("repo/1.root.json")
        let target = "releases/app-1.0.tar.gz"

        // A clean run counts the writes: the newest of the three new roots (written once, when
        // the walk ends), timestamp, snapshot, targets, releases.
        let counter = WriteFault(failing: 0)
        var cache = try MetadataCache(directory: folder.file("clean"))
        try cache.bootstrap(rootBytes: initialRoot)
        cache.beforeWrite = { role throws(UpdateError) in try counter.check(role) }
        var clean = Updater(cache: cache, metadataBaseURL: metadataURL, fetcher: FileFetcher())
        try await clean.refresh()
        #expect(try await clean.targetInfo(target) != nil)
        #expect(counter.writes == 5)

        for failing in 1...counter.writes {
            let fault = WriteFault(failing: failing)
            var cache = try MetadataCache(directory: folder.file("cache-\(failing)"))
            try cache.bootstrap(rootBytes: initialRoot)
            cache.beforeWrite = { role throws(UpdateError) in try fault.check(role) }
            var interrupted = Updater(cache: cache, metadataBaseURL: metadataURL, fetcher: FileFetcher())
            await #expect(throws: UpdateError.self, "write \(failing)") {
                try await interrupted.refresh()
                _ = try await interrupted.targetInfo(target)
            }
            #expect(fault.failedRole != nil)
            // The failed write was the last one made: none after it reached the folder.
            #expect(fault.writes == failing, "write \(failing)")
            // No temporary file is left behind, and nothing but metadata is named *.json.
            let names = try FileManager.default.contentsOfDirectory(atPath: cache.directory.path)
            #expect(names.allSatisfy { !$0.hasSuffix(".partial") }, "\(names)")
            for name in names where name.hasSuffix(".json") {
                #expect(throws: Never.self) {
                    try JSONParser().parse(Array(try Data(contentsOf: cache.directory.appendingPathComponent(name))))
                }
            }

            cache.beforeWrite = nil
            var next = Updater(cache: cache, metadataBaseURL: metadataURL, fetcher: FileFetcher())
            try await next.refresh()
            #expect(next.trusted?.root.signed.version == 4, "after failing write \(failing) (\(fault.failedRole ?? "?"))")
            #expect(try await next.targetInfo(target) != nil)
        }
    }
}

/// Work run alongside a refresh's disk writes sees the refreshed metadata, runs with the cache
/// lock held, and gives way to a write that failed or a check that did.
@Suite("Work alongside a refresh")
struct RefreshAlongsideTests {
    @Test func seesTheRefreshedMetadataUnderTheLockAndYieldsToAFailedWrite() async throws {
        let folder = try TemporaryDirectory()
        _ = try await Python.run("tuf_repo.py", [folder.file("repo").path])
        let metadataURL = folder.file("repo/metadata")
        let initialRoot = try folder.read("repo/1.root.json")

        let cache = try MetadataCache(directory: folder.file("clean"))
        try cache.bootstrap(rootBytes: initialRoot)
        var updater = Updater(cache: cache, metadataBaseURL: metadataURL, fetcher: FileFetcher())
        let (rootVersion, targetsListed, lockRefusal) = try await updater.refresh { refreshed in
            var lockRefusal: UpdateError?
            do throws(UpdateError) {
                try await cache.withLock(timeout: 0.2) { () throws(UpdateError) in }
            } catch {
                lockRefusal = error
            }
            return (refreshed.trusted?.root.signed.version, refreshed.trusted?.targets["targets"] != nil, lockRefusal)
        }
        #expect(rootVersion == 4)
        #expect(targetsListed)
        #expect(lockRefusal == .storage(path: cache.directory.path, reason: "another update holds the cache lock"))
        #expect(updater.trusted?.root.signed.version == 4)
        // Every write was done before the refresh returned, and the lock is free again.
        for role in ["root", "timestamp", "snapshot", "targets"] {
            #expect(cache.read(role, maximumBytes: 1 << 20) != nil, "\(role)")
        }
        try await cache.withLock(timeout: 0.2) { () throws(UpdateError) in }

        // A failed write of the refreshed targets metadata is what the refresh reports, although
        // the work alongside ran and finished.
        var failing = try MetadataCache(directory: folder.file("failing"))
        try failing.bootstrap(rootBytes: initialRoot)
        failing.beforeWrite = { role throws(UpdateError) in
            if role == "targets" { throw .storage(path: role, reason: "injected I/O error") }
        }
        var interrupted = Updater(cache: failing, metadataBaseURL: metadataURL, fetcher: FileFetcher())
        let ran = FaultInjectionTests.WriteFault(failing: 0)
        await #expect(throws: UpdateError.storage(path: "targets", reason: "injected I/O error")) {
            _ = try await interrupted.refresh { _ in try? ran.check("alongside") }
        }
        #expect(ran.writes == 1)

        // A refresh whose checks fail runs nothing alongside.
        let pinned = try MetadataCache(directory: folder.file("pinned"))
        try pinned.bootstrap(rootBytes: initialRoot)
        var configuration = UpdaterConfiguration()
        configuration.pinnedRootVersion = 9
        var refused = Updater(cache: pinned, metadataBaseURL: metadataURL, fetcher: FileFetcher(), configuration: configuration)
        let skipped = FaultInjectionTests.WriteFault(failing: 0)
        await #expect(throws: UpdateError.pinnedRootUnavailable(pinned: 9, reached: 4)) {
            _ = try await refused.refresh { _ in try? skipped.check("alongside") }
        }
        #expect(skipped.writes == 0)
    }
}

@Suite("Cache lock")
struct CacheLockTests {
    @Test func aSecondUpdateWaitsForTheFirstAndGivesUpAfterItsTimeout() async throws {
        let folder = try TemporaryDirectory()
        let cache = try MetadataCache(directory: folder.url)
        let holding = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await cache.withLock { () throws(UpdateError) in
                holding.continuation.yield()
                for await _ in release.stream { break }
            }
        }
        for await _ in holding.stream { break }
        await #expect(throws: UpdateError.storage(path: folder.url.path, reason: "another update holds the cache lock")) {
            try await cache.withLock(timeout: 0.3) { () throws(UpdateError) in }
        }
        release.continuation.yield()
        try await holder.value
        // Once released, the lock is free again.
        try await cache.withLock(timeout: 0.3) { () throws(UpdateError) in }
    }
}
