import Crypto
import Foundation
import TUF
import TestSupport
import Testing

/// A copy of a workspace handed over by someone else may hold links and a planted journal: no
/// command may write or remove anything outside the workspace because of them, read-only commands
/// write nothing at all, and `merge` never writes into the other copy.
@Suite("Ceremony workspace escapes")
struct CeremonyEscapeTests {
    typealias Ceremony = CeremonyEndToEndTests.Ceremony

    /// A proposed ceremony with a folder `outside` beside the workspace holding two files.
    struct Setup {
        let ceremony: Ceremony
        var outside: URL { ceremony.folder.file("outside") }

        init() async throws {
            ceremony = try await CeremonyRefusalTests().proposedCeremony()
            try FileManager.default.createDirectory(at: ceremony.folder.file("outside"), withIntermediateDirectories: true)
            try ceremony.folder.write("outside/victim.txt", Array("original\n".utf8))
            try ceremony.folder.write("outside/precious.txt", Array("precious\n".utf8))
        }

        /// Every file and link below `folder`, with its bytes or link target.
        func tree(_ folder: String) throws -> [String: String] {
            var entries: [String: String] = [:]
            let base = ceremony.folder.file(folder)
            guard let enumerator = FileManager.default.enumerator(atPath: base.path) else { return [:] }
            for case let path as String in enumerator {
                let url = base.appendingPathComponent(path)
                if let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: url.path) {
                    entries[path] = "link to \(destination)"
                    enumerator.skipDescendants()
                } else if let data = FileManager.default.contents(atPath: url.path) {
                    entries[path] = Hex.encode(SHA256.hash(data: data))
                }
            }
            return entries
        }

        /// The commands a holder runs on `workspace`; `other` is the copy merged from.
        func commands(_ workspace: String, other: String) -> [(String, [String])] {
            let key = ceremony.folder.file("keys/alice.key").path
            let online = ceremony.folder.file("keys/online.key").path
            return [
                ("status", ["status", workspace]),
                ("diff", ["diff", workspace]),
                ("verify", ["verify", workspace]),
                ("sign", ["sign", workspace, "--key", key]),
                ("merge", ["merge", workspace, other]),
                ("publish", ["publish", workspace, "--out", ceremony.folder.file("repo").path, "--online-key", online]),
            ]
        }

        /// A journal whose record follows the transcript's head in `workspace` and which
        /// writes `writes` (by path) and removes `deletes`, with the state digest such a step
        /// would record.
        func journal(in workspace: String, step: String, holder: String, writes: [String: [UInt8]], deletes: [String] = []) throws
            -> [UInt8]
        {
            let folder = URL(fileURLWithPath: workspace)
            let transcript = try Data(contentsOf: folder.appendingPathComponent("transcript.jsonl"))
            let head = Hex.encode(SHA256.hash(data: Array(transcript.split(separator: UInt8(ascii: "\n")).last!)))
            var files: [String: [UInt8]] = [:]
            for path in ["ceremony.json"] + ["published", "proposal", "targets"].flatMap({ managed(in: folder, $0) }) {
                files[path] = Array(try Data(contentsOf: folder.appendingPathComponent(path)))
            }
            for path in deletes { files[path] = nil }
            files.merge(writes) { _, new in new }
            var state = JSONObject()
            for (path, bytes) in files { state[path] = .string(Hex.encode(SHA256.hash(data: bytes))) }
            let record: JSONValue = [
                "step": .string(step), "holder": .string(holder),
                "metadata_sha256": .string(Hex.encode(SHA256.hash(data: CanonicalJSON.encode(.object(state))))),
                "time": "2026-12-01T00:00:00Z", "previous": .string(head),
            ]
            var writeObject = JSONObject()
            for (path, bytes) in writes { writeObject[path] = .string(Hex.encode(bytes)) }
            let journal: JSONValue = [
                "record": .string(String(decoding: CanonicalJSON.encode(record), as: UTF8.self)),
                "writes": .object(writeObject),
                "deletes": .array(deletes.map { .string($0) }),
            ]
            return CanonicalJSON.encode(journal)
        }

        private func managed(in folder: URL, _ name: String) -> [String] {
            guard let enumerator = FileManager.default.enumerator(atPath: folder.appendingPathComponent(name).path) else { return [] }
            return enumerator.compactMap { $0 as? String }.map { "\(name)/\($0)" }.filter {
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path, isDirectory: &isDirectory)
                    && !isDirectory.boolValue
            }
        }

        /// Plants ``journal(in:step:holder:writes:deletes:)`` as the workspace's `journal.json`.
        func plantJournal(step: String, holder: String, writes: [String: [UInt8]], deletes: [String] = []) throws {
            let workspace = ceremony.workspace
            let bytes = try journal(in: workspace, step: step, holder: holder, writes: writes, deletes: deletes)
            try Data(bytes).write(to: URL(fileURLWithPath: "\(workspace)/journal.json"))
        }

        /// Runs every command on the planted workspace (and merges it into a clean copy), and
        /// checks that each is refused and that nothing outside, nor either copy, changed.
        func expectEveryCommandRefused(_ planted: String, clean: String, because reason: String) async throws {
            let before = (outside: try tree("outside"), planted: try tree("ws"), clean: try tree("clean"))
            for (name, arguments) in commands(ceremony.workspace, other: ceremony.folder.file("clean").path)
                + [("merge into a clean copy", ["merge", ceremony.folder.file("clean").path, ceremony.workspace])]
            {
                let outcome = try await ceremony.ceremony(arguments)
                #expect(outcome.status != 0, "\(name) accepted a planted workspace: \(outcome.stdout)")
                #expect(outcome.stderr.contains(reason), "\(name): \(outcome.stderr)")
                #expect(outcome.stderr.split(separator: "\n").count == 1, "\(name): \(outcome.stderr)")
                #expect(try tree("outside") == before.outside, "\(name) changed a file outside the workspace")
                #expect(try tree("ws") == before.planted, "\(name) changed the planted workspace")
                #expect(try tree("clean") == before.clean, "\(name) changed the clean copy")
            }
            _ = planted
        }

        /// A clean copy of the workspace at `clean`, made before anything is planted.
        func copyClean() throws {
            try FileManager.default.copyItem(at: ceremony.folder.file("ws"), to: ceremony.folder.file("clean"))
        }

        /// Plants `name` in the workspace as a link to the folder outside.
        func link(_ name: String) throws {
            try FileManager.default.createSymbolicLink(atPath: "\(ceremony.workspace)/\(name)", withDestinationPath: outside.path)
        }
    }

    @Test func aLinkedFolderAndAJournalWritingThroughItAreRefusedByEveryCommand() async throws {
        let setup = try await Setup()
        try setup.copyClean()
        let workspace = setup.ceremony.workspace
        try setup.link("evil")
        try setup.plantJournal(step: "sign", holder: "alice", writes: ["evil/victim.txt": Array("owned\n".utf8)])
        try await setup.expectEveryCommandRefused(workspace, clean: "clean", because: "refusing to change evil/victim.txt")
    }

    /// The journal the review planted, in the format the tool wrote before: it wrote through
    /// `evil -> outside` and removed a file through `link -> outside`.
    @Test func theReviewsJournalIsRefusedAndNothingOutsideChanges() async throws {
        let setup = try await Setup()
        try setup.copyClean()
        let workspace = setup.ceremony.workspace
        try setup.link("evil")
        try setup.link("link")
        let transcript = try setup.ceremony.folder.read("ws/transcript.jsonl")
        let head = Hex.encode(SHA256.hash(data: Array(transcript.split(separator: UInt8(ascii: "\n")).last!)))
        let journal: JSONValue = [
            "writes": ["evil/victim.txt": .string(Hex.encode(Array("owned\n".utf8)))], "deletes": ["link/precious.txt"],
            "step": "sign", "holder": "alice", "time": "2026-12-01T00:00:00Z", "previous": .string(head),
        ]
        try Data(CanonicalJSON.encode(journal)).write(to: URL(fileURLWithPath: "\(workspace)/journal.json"))
        try await setup.expectEveryCommandRefused(workspace, clean: "clean", because: "journal.json is not a journal this tool wrote")
    }

    @Test func aLinkInsideAManagedFolderIsRefusedByEveryCommand() async throws {
        let setup = try await Setup()
        try setup.copyClean()
        let workspace = setup.ceremony.workspace
        try setup.link("proposal/evil")
        try setup.plantJournal(
            step: "propose",
            holder: "mallory",
            writes: ["proposal/evil/victim.txt": Array("owned\n".utf8)],
            deletes: ["proposal/evil/precious.txt"]
        )
        try await setup.expectEveryCommandRefused(workspace, clean: "clean", because: "symbolic link")
    }

    @Test func aMetadataFileReplacedByALinkIsRefusedNotFollowed() async throws {
        let setup = try await Setup()
        try setup.copyClean()
        let workspace = setup.ceremony.workspace
        let root = "\(workspace)/proposal/root.json"
        try FileManager.default.moveItem(atPath: root, toPath: setup.outside.appendingPathComponent("root.json").path)
        try FileManager.default.createSymbolicLink(
            atPath: root,
            withDestinationPath: setup.outside.appendingPathComponent("root.json").path
        )
        try await setup.expectEveryCommandRefused(workspace, clean: "clean", because: "symbolic link")
    }

    @Test func aForgedUnsignedSignRecordInAJournalIsRefused() async throws {
        let setup = try await Setup()
        try setup.copyClean()
        let workspace = setup.ceremony.workspace
        try setup.plantJournal(step: "sign", holder: "alice", writes: ["proposal/notes.json": Array("{}".utf8)])
        try await setup.expectEveryCommandRefused(workspace, clean: "clean", because: "a sign step must carry the signer's signature")
    }

    @Test func mergeNeverWritesIntoTheOtherCopy() async throws {
        let setup = try await Setup()
        try setup.copyClean()
        // The other copy: bob signed there.
        let clean = setup.ceremony.folder.file("clean").path
        let signed = try await setup.ceremony.ceremony(["sign", clean, "--key", setup.ceremony.folder.file("keys/bob.key").path])
        #expect(signed.status == 0, "\(signed.stderr)")
        let before = try setup.tree("clean")
        let merged = try await setup.ceremony.ceremony(["merge", setup.ceremony.workspace, clean])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout.contains("merged root signatures"))
        #expect(try setup.tree("clean") == before)
        let status = try await setup.ceremony.ceremony(["status", setup.ceremony.workspace])
        #expect(status.stdout.contains("as the new root: 1 of 3 required signatures"), "\(status.stdout)")
    }
}
