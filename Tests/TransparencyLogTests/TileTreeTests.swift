import Foundation
import Plumbing
import TestSupport
import Testing

@testable import TransparencyLog

/// A tiled log read from a folder: every tile and entry checked against the signed
/// checkpoint, proofs built from the tiles, and each kind of bad data refused.
@Suite("Tiled logs")
struct TileTreeTests {
    static func entries(_ count: Int, salt: UInt8 = 0) -> [[UInt8]] {
        (0..<count).map { index in Array("entry \(index) \(salt)".utf8) }
    }

    /// The verified tree of `folder`'s current checkpoint.
    static func tree(_ folder: TemporaryDirectory, _ log: TestTiledLog, limits: TiledLogClient.Limits = .init())
        async throws -> TileTree
    {
        let client = TiledLogClient(prefix: folder.url, fetcher: try FolderFetcher(path: folder.path), limits: limits)
        let checkpoint = try Checkpoint(try await client.checkpoint())
        try checkpoint.verify(by: log.verifier)
        return try await TileTree(client: client, checkpoint: checkpoint)
    }

    @Test(arguments: [1, 2, 255, 256, 257, 511, 65_536, 65_536 + 300])
    func readsEveryEntryAndProvesInclusion(size: Int) async throws {
        let folder = try TemporaryDirectory()
        let log = TestTiledLog(entries: Self.entries(size))
        try log.write(to: folder.url)
        let tree = try await Self.tree(folder, log)
        var read: [[UInt8]] = []
        for bundle in 0..<Int64((size + 255) / 256) {
            read += try await tree.entries(bundle: bundle).map { Array($0) }
        }
        #expect(read == log.entries)
        let reference = TestMerkleTree(log.entries)
        for index in Set([0, size / 2, size - 1, min(256, size - 1)]) {
            let (entry, proof) = try await tree.entry(at: Int64(index))
            #expect(entry == log.entries[index])
            #expect(proof == reference.auditPath(index))
        }
        await #expect(throws: LogError.self) { try await tree.entry(at: Int64(size)) }
    }

    @Test func provesThatALaterTreeExtendsAnEarlierOne() async throws {
        let folder = try TemporaryDirectory()
        var log = TestTiledLog(entries: Self.entries(70_000))
        try log.write(to: folder.url, size: 300)
        let early = try await Self.tree(folder, log)
        try log.write(to: folder.url)
        let late = try await Self.tree(folder, log)
        for first: Int64 in [0, 1, 255, 256, 300] {
            let proof = try await late.consistencyProof(from: first)
            let firstRoot = log.rootHash(size: Int(first))
            #expect(
                MerkleConsistency.verify(
                    firstSize: first,
                    firstRoot: firstRoot,
                    secondSize: late.size,
                    secondRoot: late.checkpoint.rootHash,
                    proof: proof
                )
            )
        }
        // A log that rewrote its history under the same key does not extend the early tree.
        log.entries[100] = Array("rewritten".utf8)
        let forkFolder = try TemporaryDirectory()
        try log.write(to: forkFolder.url)
        let fork = try await Self.tree(forkFolder, log)
        let proof = try await fork.consistencyProof(from: early.size)
        #expect(
            !MerkleConsistency.verify(
                firstSize: early.size,
                firstRoot: early.checkpoint.rootHash,
                secondSize: fork.size,
                secondRoot: fork.checkpoint.rootHash,
                proof: proof
            )
        )
        await #expect(throws: LogError.self) { try await early.consistencyProof(from: late.size) }
    }

    @Test func readsAnOlderCheckpointFromTilesThatHaveFilledUp() async throws {
        let folder = try TemporaryDirectory()
        let log = TestTiledLog(entries: Self.entries(512))
        let client = TiledLogClient(prefix: folder.url, fetcher: try FolderFetcher(path: folder.path))
        try log.write(to: folder.url, size: 300)
        try log.write(to: folder.url)
        // Once level 0's second tile filled up, the log removed its partial forms: the full
        // ones stand in for them.
        for partial in ["tile/0/001.p/44", "tile/entries/001.p/44"] {
            try FileManager.default.removeItem(at: folder.file(partial))
        }
        let tree = try await TileTree(client: client, checkpoint: try Checkpoint(log.checkpoint(size: 300)))
        let second = try await tree.entries(bundle: 1)
        #expect(second.map { Array($0) } == Array(log.entries[256..<300]))
    }

    @Test func refusesTilesAndEntriesThatDoNotMatchTheCheckpoint() async throws {
        let folder = try TemporaryDirectory()
        let log = TestTiledLog(entries: Self.entries(600))
        try log.write(to: folder.url)
        func flipByte(_ relative: String, at offset: Int = 5) throws {
            var bytes = try folder.read(relative)
            bytes[offset] ^= 1
            try folder.write(relative, bytes)
        }
        // A right-edge tile: the tree does not open.
        try flipByte("tile/0/002.p/88")
        await #expect(throws: LogError.self) { try await Self.tree(folder, log) }
        try log.write(to: folder.url)

        // A full tile of level 0: its bundle does not read.
        try flipByte("tile/0/000")
        let tree = try await Self.tree(folder, log)
        await #expect(throws: LogError.self) { try await tree.entries(bundle: 0) }
        let fine = try await tree.entries(bundle: 1)
        #expect(fine.count == 256)
        try log.write(to: folder.url)

        // An entry bundle with one entry changed, one with an entry too many.
        try flipByte("tile/entries/001", at: 40)
        let again = try await Self.tree(folder, log)
        await #expect(throws: LogError.self) { try await again.entries(bundle: 1) }
        try folder.write("tile/entries/002.p/88", EntryBundle.bytes(Array(log.entries[512..<600]) + [[1]]))
        await #expect(throws: LogError.self) { try await again.entries(bundle: 2) }

        // An entry bundle larger than the limit is not read at all.
        try log.write(to: folder.url)
        var small = TiledLogClient.Limits()
        small.entryBundleBytes = 1_000
        let bounded = try await Self.tree(folder, log, limits: small)
        await #expect {
            try await bounded.entries(bundle: 0)
        } throws: { ($0 as? LogError)?.kind == .malformed && "\($0)".contains("limit") }
    }

    @Test func mapsIndexesToTilePaths() {
        #expect(TilePath.encode(0) == "000")
        #expect(TilePath.encode(999) == "999")
        #expect(TilePath.encode(1_000) == "x001/000")
        #expect(TilePath.encode(1_234_067) == "x001/x234/067")
        #expect(TilePath.tile(level: 2, index: 1_234_067, width: 8) == "tile/2/x001/x234/067.p/8")
        #expect(TilePath.entries(index: 5, width: 256) == "tile/entries/005")
    }
}
