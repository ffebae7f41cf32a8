import Ceremony
import Foundation
import TUF
import TUFClient
import TestSupport
import Testing

/// A ceremony step stopped part-way (a crash, a full disk) leaves a workspace that verifies, with
/// every signature collected before the step, and the step itself either whole or absent.
@Suite("Workspace crash safety")
struct WorkspaceCrashTests {
    struct Stop: Error, CustomStringConvertible {
        var description: String { "stopped by the test" }
    }

    /// What a step stopped by ``Stop`` throws: the library reports every failure as its own.
    static let stopped = CeremonyError(.refused, "stopped by the test")

    /// Three holders (2 of 3) and an online key, with a workspace proposing root v1.
    struct Fixture {
        let folder: TemporaryDirectory
        let holders: [InMemorySigner]
        let online: InMemorySigner
        let workspace: Workspace

        init() throws {
            folder = try TemporaryDirectory()
            holders = try (0..<3).map { _ in try InMemorySigner(generating: .ed25519) }
            online = try InMemorySigner(generating: .ecdsaP256)
            var holderObject = JSONObject()
            for (index, holder) in holders.enumerated() { holderObject["h\(index)"] = ["key": holder.publicKey.json] }
            let config: JSONValue = [
                "holders": .object(holderObject),
                "online_key": ["key": online.publicKey.json],
                "root": ["holders": ["h0", "h1", "h2"], "threshold": 2, "expiry_days": 365],
                "targets": ["holders": ["h0", "h1", "h2"], "threshold": 2, "expiry_days": 365],
                "snapshot": ["expiry_days": 7],
                "timestamp": ["expiry_days": 1],
                "files": ["file.txt": [:]],
            ]
            try folder.write("file.txt", Array("contents\n".utf8))
            (workspace, _) = try Workspace.create(
                at: folder.file("ws"),
                configuration: JSONWriter.prettyPrinted(config),
                configDirectory: folder.url,
                holder: "test"
            )
        }

        /// The workspace as a later run opens it: no fault hook.
        var reopened: Workspace { Workspace(directory: folder.file("ws")) }

        /// The workspace with a hook that stops the step at its `point`-th file operation,
        /// and a counter of how many operations the step has.
        func interrupted(at point: Int?) -> (Workspace, Counter) {
            var workspace = Workspace(directory: folder.file("ws"))
            let counter = Counter()
            workspace.faultHook = { operation in
                if counter.next() == point { throw Stop() }
            }
            return (workspace, counter)
        }

        func sign(_ workspace: Workspace, with signer: InMemorySigner, step: String = "sign") throws {
            var proposal = try workspace.proposal()
            try proposal.sign(with: signer)
            try workspace.save(proposal, step: step, holder: "holder", signer: (signer, keyID: signer.publicKey.keyID))
        }

        func signatures() throws -> Set<String> {
            let proposal = try reopened.proposal()
            return Set(
                (proposal.root?.metadata.signatures ?? []).map { "root \($0.keyID)" }
                    + (proposal.targets["targets"]?.signatures ?? []).map { "targets \($0.keyID)" }
            )
        }
    }

    final class Counter: @unchecked Sendable {
        private var count = 0
        private let lock = NSLock()
        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            count += 1
            return count
        }
        var value: Int {
            lock.lock()
            defer { lock.unlock() }
            return count
        }
    }

    @Test func signStoppedAtEveryPointLosesNothing() throws {
        // How many file operations a sign has: measure on a throwaway copy.
        let probe = try Fixture()
        let (counting, counter) = probe.interrupted(at: nil)
        try probe.sign(counting, with: probe.holders[0])
        let operations = counter.value
        #expect(operations >= 4)

        for point in 1...operations {
            let fixture = try Fixture()
            try fixture.sign(fixture.workspace, with: fixture.holders[0])
            let before = try fixture.signatures()
            let (workspace, _) = fixture.interrupted(at: point)
            #expect(throws: Self.stopped) { try fixture.sign(workspace, with: fixture.holders[1]) }

            // Reading sees a committed step as finished and writes nothing; the workspace verifies.
            let records = try fixture.reopened.verifyRecord()
            let after = try fixture.signatures()
            let journal = fixture.folder.file("ws/journal.json").path
            #expect(FileManager.default.fileExists(atPath: journal) == (point > 1), "point \(point)")
            try fixture.reopened.finishInterruptedStep()
            #expect(try fixture.reopened.verifyRecord() == records, "point \(point)")
            #expect(after.isSuperset(of: before), "point \(point): a signature was lost")
            // Only the journal's commit (the first operation) can stop the step from happening.
            if point == 1 {
                #expect(after == before, "point \(point)")
                #expect(records.map(\.step) == ["init", "sign"])
            } else {
                #expect(after.count == before.count + 2, "point \(point)")  // root and targets
                #expect(records.map(\.step) == ["init", "sign", "sign"])
            }
            #expect(!FileManager.default.fileExists(atPath: fixture.folder.file("ws/journal.json").path))
        }
    }

    @Test func publishStoppedAtEveryPointCanBeFinished() async throws {
        let probe = try Fixture()
        for holder in probe.holders[0..<2] { try probe.sign(probe.workspace, with: holder) }
        var counting = probe.workspace
        let counter = Counter()
        counting.faultHook = { _ in _ = counter.next() }
        try counting.publish(to: probe.folder.file("repo"), online: probe.online, holder: "test")
        let operations = counter.value

        for point in 1...operations {
            let fixture = try Fixture()
            for holder in fixture.holders[0..<2] { try fixture.sign(fixture.workspace, with: holder) }
            let (workspace, _) = fixture.interrupted(at: point)
            #expect(throws: Self.stopped) { try workspace.publish(to: fixture.folder.file("repo"), online: fixture.online, holder: "test") }
            let reopened = fixture.reopened
            try reopened.verifyRecord()
            if try !reopened.proposal().isEmpty {
                // Stopped before the commit: the proposal and its signatures are intact, and
                // publishing again succeeds over what was already written.
                #expect(try reopened.proposal().isComplete, "point \(point)")
                try reopened.publish(to: fixture.folder.file("repo"), online: fixture.online, holder: "test")
            }
            #expect(try reopened.publishedRoots().count == 1, "point \(point)")
            // Whatever happened, a client accepts the repository.
            let cache = try MetadataCache(directory: fixture.folder.file("client"))
            try cache.bootstrap(rootBytes: try fixture.folder.read("repo/metadata/1.root.json"))
            var updater = Updater(
                cache: cache,
                metadataBaseURL: fixture.folder.file("repo/metadata"),
                fetcher: FileFetcher()
            )
            try await updater.refresh()
            #expect(updater.trusted?.root.signed.version == 1)
        }
    }
}
