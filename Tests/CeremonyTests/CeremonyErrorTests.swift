import Ceremony
import Foundation
import Plumbing
import TUF
import TUFClient
import TestSupport
import Testing

/// Failures of the modules below a ceremony step become ceremony failures of the kind their
/// cause has, keeping what they say and where.
@Suite("Ceremony errors")
struct CeremonyErrorTests {
    @Test func diskFailuresKeepTheirFile() {
        let disk = CeremonyError(StorageError(path: "/w/root.json", reason: "fsync failed: No space left on device"))
        #expect(disk == CeremonyError(.storage, "fsync failed: No space left on device", at: "/w/root.json"))
        #expect(disk.description == "/w/root.json: fsync failed: No space left on device")
        let client = CeremonyError(UpdateError.storage(path: "/r/metadata", reason: "cannot create folder"))
        #expect(client == CeremonyError(.storage, "cannot create folder", at: "/r/metadata"))
    }

    @Test func linksAreRefusedAndOversizedFilesMalformed() throws {
        let folder = try TemporaryDirectory()
        try Data("0123456789".utf8).write(to: folder.url.appendingPathComponent("file"))
        try FileManager.default.createSymbolicLink(atPath: folder.url.appendingPathComponent("link").path, withDestinationPath: "file")
        let directory = try #require(try ConfinedDirectory.open(folder.url.path))
        let link = try #require(#expect(throws: ConfinedDirectory.Error.self) { _ = try directory.read("link", limit: 100) })
        #expect(CeremonyError(link) == CeremonyError(.unsafePath, link.description))
        // Through the general conversion too.
        #expect(CeremonyError(link as any Error).kind == .unsafePath)
        let large = try #require(#expect(throws: ConfinedDirectory.Error.self) { _ = try directory.read("file", limit: 4) })
        #expect(CeremonyError(large).kind == .malformed)
    }

    /// Adopting a folder that is already a workspace would overwrite its record: a conflict,
    /// named by the folder, not the tampering it was reported as before.
    @Test func adoptingAWorkspaceAgainIsAConflict() throws {
        let folder = try TemporaryDirectory()
        let directory = folder.url.appendingPathComponent("ws")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Workspace.adopt(at: directory, holder: "test")
        #expect(throws: CeremonyError.alreadyWorkspace(directory.path)) { try Workspace.adopt(at: directory, holder: "test") }
        #expect(CeremonyError.alreadyWorkspace(directory.path).kind == .conflict)
    }

    @Test func metadataAndClientRefusalsTakeTheirKind() {
        let bad = MetadataError.missingField(path: "signed.version")
        #expect(CeremonyError(bad) == CeremonyError(.malformed, bad.description))
        let expired = UpdateError.expired(role: "timestamp", expires: Date(timeIntervalSince1970: 0))
        let refused = CeremonyError(expired)
        #expect(refused.kind == .refused)
        #expect(refused.reason.hasSuffix(": run `trustroot repo timestamp REPO --online-key KEY`"))
        // A ceremony failure passes through unchanged.
        #expect(CeremonyError(CeremonyError.wrongPassphrase as any Error) == .wrongPassphrase)
    }
}
