import Crypto
import Foundation
import Plumbing
import TestSupport
import Testing

@testable import TransparencyLog

/// A C2SP static-ct-api log read from a folder: the checkpoint's RFC 6962 note signature, data
/// tiles of certificates and precertificates checked against the hash tiles, and tampering refused.
@Suite("Static CT logs")
struct StaticCTLogTests {
    static func log(entries count: Int) -> TestStaticCTLog {
        var log = TestStaticCTLog()
        for index in 0..<count {
            let time = Date(timeIntervalSince1970: 1_700_000_000 + Double(index))
            if index % 3 == 0 {
                log.addPrecertificate(
                    tbs: Array("tbs \(index)".utf8),
                    issuerKeyHash: Array(repeating: 2, count: 32),
                    precertificate: Array("precertificate \(index)".utf8),
                    at: time
                )
            } else {
                log.addCertificate(Array("certificate \(index)".utf8), at: time)
            }
        }
        return log
    }

    static func tiled(_ folder: TemporaryDirectory, key: P256.Signing.PublicKey, origin: String = "ct.test.example/2026") throws -> TiledLog
    {
        let client = TiledLogClient(prefix: folder.url, fetcher: try FolderFetcher(path: folder.path), entryFormat: .staticCT)
        return TiledLog(client: client, keys: [try CTTreeHeadVerifier(origin: origin, derPublicKey: Array(key.derRepresentation))])
    }

    @Test func readsCertificatesAndPrecertificatesFromDataTiles() async throws {
        let folder = try TemporaryDirectory()
        let log = Self.log(entries: 600)
        try log.write(to: folder.url)
        let tiled = try Self.tiled(folder, key: log.key.publicKey)
        let checkpoint = try await tiled.latestCheckpoint()
        #expect(checkpoint.treeSize == 600)
        let view = try await tiled.view(at: checkpoint)
        var read: [LoggedEntry] = []
        var next: Int64 = 0
        while next < 600 {
            let batch = try await view.batch(from: next)
            read += batch
            next = batch.last!.index + 1
        }
        #expect(read.map(\.body) == log.entries.map(\.leaf))
        #expect(read[4].integratedTime == 1_700_000_004)
        #expect(try CTLeaf.precertificate(inExtraData: try #require(read[300].extraData)) == Array("precertificate 300".utf8))
        #expect(read[301].extraData == nil)
        let (entry, _) = try await view.entry(at: 597)
        #expect(
            try CTLeaf(entry.body).entry
                == .precertificate(issuerKeyHash: Array(repeating: 2, count: 32), tbsCertificate: Array("tbs 597".utf8))
        )
    }

    @Test func refusesAnotherKeyAnotherOriginAndATamperedDataTile() async throws {
        let folder = try TemporaryDirectory()
        let log = Self.log(entries: 300)
        try log.write(to: folder.url)
        await #expect(throws: LogError.self) { try await Self.tiled(folder, key: P256.Signing.PrivateKey().publicKey).latestCheckpoint() }
        await #expect(throws: LogError.self) {
            try await Self.tiled(folder, key: log.key.publicKey, origin: "other.example/ct").latestCheckpoint()
        }
        let tiled = try Self.tiled(folder, key: log.key.publicKey)
        let view = try await tiled.view(at: try await tiled.latestCheckpoint())
        var tile = try folder.read("tile/data/000")
        tile[40] ^= 1
        try folder.write("tile/data/000", tile)
        await #expect {
            _ = try await view.batch(from: 0)
        } throws: { error in
            (error as? LogError)?.kind == .malformed
        }
        try folder.write("tile/data/000", tile + [0])
        await #expect(throws: LogError.self) { _ = try await view.batch(from: 0) }
        #expect(try await view.batch(from: 256).count == 44)
    }
}
