import Foundation
import TUF
import TestSupport
import Testing

/// A typo in a path or a copy that proposes something else must not "pass".
@Suite("Ceremony merge and missing workspaces")
struct CeremonyMergeTests {
    @Test func aFolderThatIsNoWorkspaceIsExit66WithItsPath() async throws {
        let ceremony = try await CeremonyRefusalTests().proposedCeremony()
        try FileManager.default.createDirectory(at: ceremony.folder.file("empty"), withIntermediateDirectories: true)
        for folder in ["/nonexistent-workspace", ceremony.folder.file("empty").path] {
            for command in ["verify", "status", "diff"] {
                let outcome = try await ceremony.ceremony([command, folder])
                #expect(outcome.status == 66, "\(command) \(folder): \(outcome.stdout)")
                #expect(
                    outcome.stderr
                        == "trustroot: \(folder): not a ceremony workspace (no transcript.jsonl): check the path, or create one with `trustroot ceremony init`\n",
                    "\(outcome.stderr)"
                )
            }
            let merge = try await ceremony.ceremony(["merge", ceremony.workspace, folder])
            #expect(merge.status == 66, "\(merge.stdout)")
            #expect(merge.stderr.contains("\(folder): not a ceremony workspace"), "\(merge.stderr)")
        }
    }

    @Test func aCopyThatProposesSomethingElseIsNotMergedAndTheDifferenceIsShown() async throws {
        let ceremony = try await CeremonyRefusalTests().proposedCeremony()
        let copy = ceremony.folder.file("copy").path
        try FileManager.default.copyItem(atPath: ceremony.workspace, toPath: copy)
        // The copy's holders proposed again (a new expiry), and bob signed that.
        let reproposed = try await ceremony.ceremony(["propose", copy, "--root", "--targets", "--replace"])
        #expect(reproposed.status == 0, "\(reproposed.stderr)")
        #expect(try await ceremony.ceremony(["sign", copy, "--key", ceremony.folder.file("keys/bob.key").path]).status == 0)
        let before = try Data(contentsOf: ceremony.folder.file("ws/transcript.jsonl"))

        let merged = try await ceremony.ceremony(["merge", ceremony.workspace, copy])
        #expect(merged.status == 1)
        #expect(merged.stderr.contains("proposes something else than"), "\(merged.stderr)")
        #expect(merged.stdout.contains("root: "), "\(merged.stdout)")
        #expect(merged.stdout.contains("the other copy: "), "\(merged.stdout)")
        #expect(try Data(contentsOf: ceremony.folder.file("ws/transcript.jsonl")) == before)

        // The same proposal signed elsewhere still merges.
        let same = ceremony.folder.file("same").path
        try FileManager.default.copyItem(atPath: ceremony.workspace, toPath: same)
        #expect(try await ceremony.ceremony(["sign", same, "--key", ceremony.folder.file("keys/carol.key").path]).status == 0)
        let ok = try await ceremony.ceremony(["merge", ceremony.workspace, same])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("merged root signatures"), "\(ok.stdout)")
    }
}
