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

/// Cache file names stay distinct on a case-insensitive file system.
@Suite("Cache file names")
struct CacheFileNameTests {
    @Test func delegatedRolesNeverLandOnAnotherRolesFile() throws {
        let folder = try TemporaryDirectory()
        let cache = try MetadataCache(directory: folder.file("cache"))
        let names = ["root", "Root", "ROOT", "timestamp", "Timestamp", "npm", "NPM", "Npm", "%4E", "%4e", "a b", "é", "E\u{301}"]
        let files = names.map { cache.url(for: $0).lastPathComponent }
        // Folded to one case, every name is still its own.
        #expect(Set(files.map { $0.lowercased() }).count == names.count, "\(files)")
        #expect(cache.url(for: "root").lastPathComponent == "root.json")
        #expect(cache.url(for: "Root").lastPathComponent == "%52oot.json")
        #expect(cache.url(for: "registry.npmjs.org").lastPathComponent == "registry.npmjs.org.json")
        #expect(caseSafeFileName("trusted_root.json") == "trusted_root.json")
    }
}

/// A link planted in the client's cache is never followed.
@Suite("Cache links")
struct CacheLinkTests {
    @Test func aLinkedCacheFileIsNeitherReadNorWrittenThrough() throws {
        let folder = try TemporaryDirectory()
        let cache = try MetadataCache(directory: folder.file("cache"))
        try folder.write("outside.json", Array("{\"outside\": true}".utf8))
        try FileManager.default.createSymbolicLink(
            atPath: folder.file("cache/root.json").path,
            withDestinationPath: folder.file("outside.json").path
        )
        #expect(cache.read("root", maximumBytes: 1 << 20) == nil)
        #expect(throws: UpdateError.self) { try cache.write("root", Array("new".utf8)) }
        #expect(try folder.read("outside.json") == Array("{\"outside\": true}".utf8))
        try cache.write("timestamp", Array("ok".utf8))
        #expect(cache.read("timestamp", maximumBytes: 10) == Array("ok".utf8))
        #expect(cache.read("timestamp", maximumBytes: 1) == nil)
    }
}
