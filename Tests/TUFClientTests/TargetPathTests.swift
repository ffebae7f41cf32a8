import Crypto
import Foundation
import TUF
import TUFClient
import TestSupport
import Testing

/// Target names come from metadata: none may name a file outside the repository's targets.
@Suite("Target paths")
struct TargetPathTests {
    @Test func namesThatLeaveTheTargetsFolderAreRefusedBeforeAnyRead() async throws {
        let folder = try TemporaryDirectory()
        let secret = Array("outside the repository\n".utf8)
        try folder.write("secret.txt", secret)
        try FileManager.default.createDirectory(at: folder.file("repo/targets"), withIntermediateDirectories: true)
        try folder.write("repo/targets/ok.txt", Array("ok\n".utf8))
        let cache = try MetadataCache(directory: folder.file("client"))
        let updater = Updater(cache: cache, metadataBaseURL: folder.file("repo/metadata"), fetcher: FileFetcher())
        let info = TargetFile(describing: secret)
        for path in ["../../secret.txt", "../secret.txt", "a/../../../secret.txt", "./x", "a//b", "", "/secret.txt", ".."] {
            await #expect(throws: UpdateError.unsafeTargetPath(path), "\(path)") {
                try await updater.downloadTarget(path, info, from: folder.file("repo/targets"), to: folder.file("out.txt"))
            }
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("out.txt").path))
        try await updater.downloadTarget(
            "ok.txt",
            TargetFile(describing: Array("ok\n".utf8)),
            from: folder.file("repo/targets"),
            to: folder.file("out.txt")
        )
        #expect(try folder.read("out.txt") == Array("ok\n".utf8))
    }

    @Test func theLargestLengthsDoNotTrap() async throws {
        let folder = try TemporaryDirectory()
        try folder.write("file.txt", Array("bytes\n".utf8))
        let bytes = try await FileFetcher().fetch(folder.file("file.txt"), maximumBytes: Int.max)
        #expect(bytes == Array("bytes\n".utf8))
        let cache = try MetadataCache(directory: folder.file("client"))
        let updater = Updater(cache: cache, metadataBaseURL: folder.file("metadata"), fetcher: FileFetcher())
        #expect(!updater.isCached(TargetFile(length: Int.max, hashes: ["sha256": "00"]), at: folder.file("file.txt")))
        #expect(cache.read("root", maximumBytes: Int.max) == nil)
    }
}
