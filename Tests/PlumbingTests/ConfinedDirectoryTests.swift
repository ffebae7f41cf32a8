import Foundation
import Plumbing
import TestSupport
import Testing

/// A confined folder opens the folders below it without following a link, and the folder it
/// opened stays the one used, whatever is put in its place afterwards.
@Suite("Confined folders")
struct ConfinedDirectoryTests {
    @Test func aLinkInPlaceOfASubfolderIsRefusedAndNothingIsWrittenThroughIt() throws {
        let folder = try TemporaryDirectory()
        let outside = folder.file("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: false)
        try FileManager.default.createDirectory(at: folder.file("client"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: folder.file("client/metadata").path, withDestinationPath: outside.path)
        let client = try #require(try ConfinedDirectory.open(folder.file("client").path))

        for creating in [false, true] {
            let error = #expect(throws: ConfinedDirectory.Error.self) { _ = try client.folder("metadata", creating: creating) }
            #expect(error?.kind == .symbolicLink)
            #expect(error?.path == folder.file("client/metadata").path)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
    }

    @Test func aSubfolderIsCreatedOnlyWhenAskedAndKeepsItsNameInMessages() throws {
        let folder = try TemporaryDirectory()
        let client = try ConfinedDirectory.create(folder.file("client").path)
        #expect(try client.folder("targets", creating: false) == nil)
        #expect(!FileManager.default.fileExists(atPath: folder.file("client/targets").path))
        let targets = try #require(try client.folder("targets", creating: true))
        #expect(targets.path == folder.file("client/targets").path)
        try targets.write(Array("root".utf8), to: "trusted_root.json", syncing: false)
        #expect(try folder.read("client/targets/trusted_root.json") == Array("root".utf8))

        let file = try #require(try client.folder("targets", creating: false))
        try client.write(Array("x".utf8), to: "settings")
        let error = #expect(throws: ConfinedDirectory.Error.self) { _ = try client.folder("settings", creating: false) }
        #expect(error?.kind == .notRegularFile)
        #expect(try file.read("trusted_root.json", limit: 10) == Array("root".utf8))
    }

    /// The folder opened is the one written: a link swapped in for it after it was opened
    /// leads nowhere, so a race between opening and writing gains an attacker nothing.
    @Test func aFolderSwappedForALinkAfterOpeningIsNotFollowed() throws {
        let folder = try TemporaryDirectory()
        let client = try ConfinedDirectory.create(folder.file("client").path)
        let metadata = try #require(try client.folder("metadata", creating: true))
        let outside = folder.file("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: false)
        try FileManager.default.moveItem(at: folder.file("client/metadata"), to: folder.file("moved"))
        try FileManager.default.createSymbolicLink(atPath: folder.file("client/metadata").path, withDestinationPath: outside.path)

        try metadata.write(Array("{}".utf8), to: "root.json")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
        #expect(try folder.read("moved/root.json") == Array("{}".utf8))
    }

    /// Several files written with one flush land whole and in place; one that cannot be
    /// written (a link where it goes) stops them all before any is renamed, and no temporary
    /// file stays; a name with a folder in it is refused.
    @Test func filesWrittenTogetherLandTogetherOrNotAtAll() throws {
        let folder = try TemporaryDirectory()
        let metadata = try ConfinedDirectory.create(folder.file("metadata").path)
        try metadata.write([("root.json", Array("root 2".utf8)), ("timestamp.json", Array("timestamp 2".utf8))])
        #expect(try folder.read("metadata/root.json") == Array("root 2".utf8))
        #expect(try folder.read("metadata/timestamp.json") == Array("timestamp 2".utf8))

        try FileManager.default.createSymbolicLink(atPath: folder.file("metadata/snapshot.json").path, withDestinationPath: "/etc/hostname")
        let error = #expect(throws: ConfinedDirectory.Error.self) {
            try metadata.write([("root.json", Array("root 3".utf8)), ("snapshot.json", Array("snapshot 3".utf8))])
        }
        #expect(error?.kind == .symbolicLink)
        #expect(error?.path == folder.file("metadata/snapshot.json").path)
        #expect(try folder.read("metadata/root.json") == Array("root 2".utf8))
        #expect(try metadata.names().sorted() == ["root.json", "snapshot.json", "timestamp.json"])

        let nested = #expect(throws: ConfinedDirectory.Error.self) { try metadata.write([("deeper/root.json", [])]) }
        #expect(nested?.kind == .unsafePath)
        #expect(!FileManager.default.fileExists(atPath: folder.file("metadata/deeper").path))
    }

    /// Listing twice gives the same names: each listing reads from a position of its own, so the
    /// first does not leave the second empty.
    @Test func namesAndFilesListTheSameEntriesEachTime() throws {
        let folder = try TemporaryDirectory()
        let client = try ConfinedDirectory.create(folder.file("client").path)
        for name in ["a.json", ".b.partial", "c"] { try client.write([1], to: name) }
        try FileManager.default.createSymbolicLink(atPath: folder.file("client/link").path, withDestinationPath: "/")
        for _ in 0..<2 {
            #expect(try client.names().sorted() == [".b.partial", "a.json", "c", "link"])
        }
        #expect(throws: ConfinedDirectory.Error.self) { _ = try client.names(limit: 3) }
        try client.remove("link")
        for _ in 0..<2 {
            #expect(try client.files(under: nil) == [".b.partial", "a.json", "c"])
        }
    }
}
