import Foundation
import NetworkTransport
import TUF
import TUFClient
import TestSupport
import Testing

/// Our client against a repository python-tuf built, served on loopback: rotations, a
/// delegation and targets; then each way the repository can turn malicious.
@Suite("TUF client against a python-tuf repository")
struct ClientInteropTests {
    /// A repository served on loopback and a client cache bootstrapped from its first root.
    final class Fixture {
        let folder: TemporaryDirectory
        let server: LoopbackServer
        let cache: MetadataCache

        init() async throws {
            folder = try TemporaryDirectory()
            _ = try await Python.run("tuf_repo.py", [folder.file("repo").path])
            server = try LoopbackServer(serving: folder.file("repo"))
            cache = try MetadataCache(directory: folder.file("cache"))
            try cache.bootstrap(rootBytes: folder.read("repo/1.root.json"))
        }

        func updater(path: String = "metadata", fetcher: any Fetcher = loopbackTransport()) -> Updater {
            Updater(cache: cache, metadataBaseURL: server.baseURL.appendingPathComponent(path), fetcher: fetcher)
        }

        var targetsURL: URL { server.baseURL.appendingPathComponent("targets") }

        /// Copies a malicious variant's files over the published metadata.
        func publish(variant: String) throws {
            let source = folder.file("repo/variants/\(variant)")
            for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
                let destination = folder.file("repo/metadata/\(name)")
                try? FileManager.default.removeItem(at: destination)
                try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: destination)
            }
        }

        /// Every file in the cache folder with its bytes.
        func cacheContents() throws -> [String: Data] {
            var contents: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: cache.directory.path) where name != ".lock" {
                contents[name] = try Data(contentsOf: cache.directory.appendingPathComponent(name))
            }
            return contents
        }
    }

    @Test func refreshesThroughRotationsAndDownloadsThroughADelegation() async throws {
        let fixture = try await Fixture()
        var updater = fixture.updater()
        let steps = StepRecorder()
        updater.onRootUpdate = { steps.record($0) }
        try await updater.refresh()
        let trusted = try #require(updater.trusted)
        #expect(trusted.root.signed.version == 4)
        #expect(steps.versions == [2, 3, 4])
        #expect(trusted.root.signed.roles["root"]?.threshold == 3)
        #expect(trusted.root.signed.keys.values.contains { $0.keyType == "ecdsa" })
        #expect(trusted.timestamp?.signed.version == 2)
        #expect(trusted.snapshot?.signed.version == 2)

        let target = "releases/app-1.0.tar.gz"
        let info = try #require(try await updater.targetInfo(target))
        let destination = fixture.folder.file("app.tar.gz")
        #expect(!updater.isCached(info, at: destination))
        try await updater.downloadTarget(target, info, from: fixture.targetsURL, to: destination)
        #expect(try Data(contentsOf: destination) == Data(String(repeating: "app 1.0 contents\n", count: 100).utf8))
        #expect(updater.isCached(info, at: destination))
        #expect(try await updater.targetInfo("releases/missing") == nil)
        #expect(try await updater.targetInfo("trusted_root.json")?.length == 35)

        // The cache holds the exact bytes served, under role names, and nothing else named *.json.
        let contents = try fixture.cacheContents()
        #expect(Set(contents.keys) == ["root.json", "timestamp.json", "snapshot.json", "targets.json", "releases.json"])
        #expect(contents["root.json"] == (try Data(contentsOf: fixture.folder.file("repo/metadata/4.root.json"))))
        #expect(contents["releases.json"] == (try Data(contentsOf: fixture.folder.file("repo/metadata/1.releases.json"))))

        // A second client process starts from the cache: nothing new, same state.
        var again = fixture.updater()
        try await again.refresh()
        #expect(again.trusted?.root.signed.version == 4)
    }

    /// Refreshes once against the honest repository, then serves `variant` and expects the
    /// next refresh to fail as `matches` says, leaving every cached file as it was except those
    /// named in `authenticUpdates`: metadata that verified before the failure and that the
    /// specification has the client keep (a newer, validly signed timestamp is the rollback
    /// reference from then on).
    func expectRejection(
        variant: String? = nil,
        path: String = "metadata",
        fetcher: any Fetcher = loopbackTransport(),
        authenticUpdates: Set<String> = [],
        _ matches: (UpdateError) -> Bool
    ) async throws {
        let fixture = try await Fixture()
        var honest = fixture.updater()
        try await honest.refresh()
        let before = try fixture.cacheContents()
        if let variant { try fixture.publish(variant: variant) }
        var updater = fixture.updater(path: path, fetcher: fetcher)
        do {
            try await updater.refresh()
            Issue.record("refresh accepted \(variant ?? path)")
        } catch {
            #expect(matches(error), "\(error)")
        }
        let after = try fixture.cacheContents()
        #expect(Set(after.keys) == Set(before.keys))
        for (name, bytes) in before where !authenticUpdates.contains(name) {
            #expect(after[name] == bytes, "\(name) changed")
        }
        for name in authenticUpdates {
            let published = try Data(contentsOf: fixture.folder.file("repo/metadata/\(name)"))
            #expect(after[name] == published, "\(name) is not the authentic update")
        }
    }

    @Test func rejectsARolledBackTimestamp() async throws {
        try await expectRejection(variant: "rollback-timestamp") { $0 == .rollback(role: "timestamp", trusted: 2, offered: 1) }
    }

    @Test func rejectsASnapshotWhoseVersionDisagreesWithTheTimestamp() async throws {
        try await expectRejection(variant: "snapshot-mismatch", authenticUpdates: ["timestamp.json"]) {
            $0 == .unexpectedVersion(role: "snapshot", expected: 9, found: 8)
        }
    }

    @Test func rejectsARootSignedByTooFewOldKeys() async throws {
        try await expectRejection(variant: "weak-root") {
            guard case .thresholdNotMet(let role, let verification) = $0 else { return false }
            return role == "root" && verification.signedKeyIDs.count == 2 && verification.threshold == 3
        }
    }

    @Test func rejectsAnOversizedTimestamp() async throws {
        try await expectRejection(variant: "oversized-timestamp") {
            guard case .fetch(.tooLarge(_, let limit)) = $0 else { return false }
            return limit == 16_384
        }
    }

    @Test func stopsReadingAnEndlessResponse() async throws {
        try await expectRejection(path: "endless/metadata", fetcher: loopbackTransport()) {
            guard case .fetch(.tooLarge(let url, let limit)) = $0 else { return false }
            return limit == 512_000 && url.hasSuffix("/endless/metadata/5.root.json")
        }
    }

    @Test func givesUpOnAStalledServer() async throws {
        try await expectRejection(path: "stall/metadata", fetcher: loopbackTransport(idle: 1, transfer: 5)) {
            guard case .fetch(.timedOut) = $0 else { return false }
            return true
        }
    }

    @Test func survivesAConnectionDroppedMidFile() async throws {
        try await expectRejection(path: "drop/metadata", fetcher: loopbackTransport()) {
            guard case .fetch(let error) = $0 else { return false }
            if case .transport = error { return true }
            return false
        }
    }

    @Test func refusesAFileLongerThanAnnounced() async throws {
        // The client reads what was announced: half a file, which is not metadata.
        try await expectRejection(path: "liar/metadata", fetcher: loopbackTransport()) {
            if case .invalidMetadata = $0 { return true }
            if case .fetch(.transport) = $0 { return true }
            return false
        }
    }

    @Test func givesUpOnASlowlyGrowingFile() async throws {
        // Each byte arrives before the idle timeout, but the whole file takes too long.
        try await expectRejection(path: "trickle/metadata", fetcher: loopbackTransport(idle: 1, transfer: 3)) {
            guard case .fetch(.timedOut) = $0 else { return false }
            return true
        }
    }

    @Test func rejectsTargetFilesThatDoNotMatch() async throws {
        let fixture = try await Fixture()
        var updater = fixture.updater()
        let info = try #require(try await updater.targetInfo("trusted_root.json"))
        let served = fixture.folder.file("repo/targets/\(info.hashes["sha256"]!).trusted_root.json")
        let destination = fixture.folder.file("trusted_root.json")

        try Data(repeating: 0x41, count: info.length + 1000).write(to: served)
        await #expect(
            throws: UpdateError.fetch(
                .tooLarge(url: fixture.targetsURL.absoluteString + "/\(info.hashes["sha256"]!).trusted_root.json", limit: info.length)
            )
        ) {
            try await updater.downloadTarget("trusted_root.json", info, from: fixture.targetsURL, to: destination)
        }
        try Data(repeating: 0x41, count: info.length).write(to: served)
        await #expect(throws: UpdateError.lengthOrHashMismatch(file: "trusted_root.json", .hashMismatch(algorithm: "sha256"))) {
            try await updater.downloadTarget("trusted_root.json", info, from: fixture.targetsURL, to: destination)
        }
        #expect(!FileManager.default.fileExists(atPath: destination.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.folder.path).allSatisfy { !$0.hasSuffix(".partial") })
    }

    @Test func worksFromAFileMirror() async throws {
        let fixture = try await Fixture()
        var updater = Updater(cache: fixture.cache, metadataBaseURL: fixture.folder.file("repo/metadata"), fetcher: FileFetcher())
        try await updater.refresh()
        #expect(updater.trusted?.root.signed.version == 4)
        #expect(try await updater.targetInfo("releases/app-1.0.tar.gz") != nil)
    }
}

/// The HTTP transport for a loopback server, with no proxy. The default timeouts are generous:
/// in a full test run, other suites keep this process's threads busy, and a fetch that must
/// succeed must not lose a race with its own deadline.
func loopbackTransport(idle: TimeInterval = 60, transfer: TimeInterval = 300) -> any Fetcher {
    HTTPClientTransport(idleTimeout: idle, transferTimeout: transfer, environment: [:])
}

/// Collects the root versions an update reports.
final class StepRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Int] = []

    func record(_ version: Int) { lock.withLock { recorded.append(version) } }
    var versions: [Int] { lock.withLock { recorded } }
}
