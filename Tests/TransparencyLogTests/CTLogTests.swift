import Crypto
import Foundation
import NetworkTransport
import Plumbing
import TestSupport
import Testing

@testable import TransparencyLog

/// An RFC 6962 CT log read from the loopback stand-in: tree heads kept as checkpoints, entries
/// in batches each proved to be the log's from the proof of the entry before them, and each
/// lie the log can tell refused.
@Suite("RFC 6962 CT logs")
struct CTLogTests {
    static func log(entries count: Int) throws -> TestCTLog {
        let log = try TestCTLog()
        for index in 0..<count {
            log.addCertificate(Array("certificate \(index)".utf8), at: Date(timeIntervalSince1970: 1_700_000_000 + Double(index)))
        }
        return log
    }

    static func client(_ log: TestCTLog, key: P256.Signing.PublicKey? = nil) throws -> CTLog {
        let verifier = try CTTreeHeadVerifier(
            origin: CTLog.origin(of: log.baseURL),
            derPublicKey: Array((key ?? log.key.publicKey).derRepresentation)
        )
        return CTLog(
            baseURL: log.baseURL,
            key: verifier,
            transport: HTTPClientTransport(idleTimeout: 10, transferTimeout: 30, environment: [:])
        )
    }

    static func scan(_ view: CTLogView, from start: Int64) async throws -> [LoggedEntry] {
        var entries: [LoggedEntry] = []
        var next = start
        while next < view.checkpoint.treeSize {
            let batch = try await view.batch(from: next)
            try #require(batch.first?.index == next)
            entries += batch
            next = batch.last!.index + 1
        }
        return entries
    }

    @Test func compactRangesFromTheLastLeafsProofGiveEveryLargerRoot() throws {
        let leaves = (0..<70).map { Array("leaf \($0)".utf8) }
        let tree = TestMerkleTree(leaves)
        for size in 1...69 {
            let prefix = TestMerkleTree(Array(leaves.prefix(size)))
            var range = try CompactRange(
                size: Int64(size),
                lastLeaf: MerkleInclusion.leafHash(leaves[size - 1]),
                proof: prefix.auditPath(size - 1)
            )
            #expect(range.rootHash == prefix.rootHash)
            for leaf in leaves[size...] { range.append(leafHash: MerkleInclusion.leafHash(leaf)) }
            #expect(range.rootHash == tree.rootHash, "from \(size)")
        }
        #expect(throws: LogError.self) {
            try CompactRange(size: 6, lastLeaf: MerkleInclusion.leafHash(leaves[5]), proof: [])
        }
    }

    @Test func readsTheLogInBatchesFromAnyStart() async throws {
        let log = try Self.log(entries: 1_000)
        let client = try Self.client(log)
        let checkpoint = try await client.latestCheckpoint()
        #expect(checkpoint.treeSize == 1_000)
        #expect(checkpoint.origin == CTLog.origin(of: log.baseURL))
        let view = try await client.view(at: checkpoint)
        let all = try await Self.scan(view, from: 0)
        #expect(all.map(\.body) == log.entries.map(\.leaf))
        #expect(all[5].integratedTime == 1_700_000_005)
        let tail = try await Self.scan(view, from: 537)
        #expect(tail.map(\.index) == Array(537..<1_000))

        let (entry, proof) = try await view.entry(at: 613)
        #expect(entry.body == log.entries[613].leaf && !proof.isEmpty)
        let leaf = try CTLeaf(entry.body)
        #expect(leaf.entry == .certificate(Array("certificate 613".utf8)))

        // The kept tree head still verifies, and the grown log extends it.
        for index in 1_000..<1_300 { log.addCertificate(Array("later \(index)".utf8), at: Date()) }
        let grown = try await client.view(at: try await client.latestCheckpoint())
        let consistency = try await grown.consistencyProof(from: 1_000)
        #expect(
            MerkleConsistency.verify(
                firstSize: 1_000,
                firstRoot: checkpoint.rootHash,
                secondSize: 1_300,
                secondRoot: grown.checkpoint.rootHash,
                proof: consistency
            )
        )
        try client.verify(checkpoint)
    }

    @Test func precertificateEntriesCarryTheirPrecertificateBeside() throws {
        let log = try Self.log(entries: 0)
        log.addPrecertificate(tbs: [0x30, 1, 2], issuerKeyHash: Array(repeating: 9, count: 32), precertificate: [0x30, 7], at: Date())
        let (leaf, extra) = log.entries[0]
        #expect(try CTLeaf(leaf).entry == .precertificate(issuerKeyHash: Array(repeating: 9, count: 32), tbsCertificate: [0x30, 1, 2]))
        #expect(try CTLeaf.precertificate(inExtraData: extra) == [0x30, 7])
        for bad in [Array(leaf.dropLast()), leaf + [0], [1] + leaf.dropFirst()] {
            #expect(throws: LogError.self) { try CTLeaf(bad) }
        }
    }

    @Test func refusesEachLie() async throws {
        let log = try Self.log(entries: 700)
        let client = try Self.client(log)
        let view = try await client.view(at: try await client.latestCheckpoint())
        func kind(_ work: () async throws -> Void) async -> LogError.Kind? {
            do {
                try await work()
                return nil
            } catch {
                return (error as? LogError)?.kind
            }
        }
        log.fault = .substitutedEntry(300)
        #expect(await kind { _ = try await view.batch(from: 256) } == .inconsistent)
        #expect(await kind { _ = try await view.batch(from: 0) } == nil)
        log.fault = .badProof
        #expect(await kind { _ = try await view.batch(from: 256) } == .inconsistent)
        #expect(await kind { _ = try await view.entry(at: 10) } == .malformed)
        log.fault = .rewritten
        #expect(await kind { _ = try await view.batch(from: 0) } == .inconsistent)
        log.fault = .untrustedHead
        #expect(await kind { _ = try await client.latestCheckpoint() } == .unverified)
        log.fault = nil
        let stranger = try Self.client(log, key: P256.Signing.PrivateKey().publicKey)
        #expect(await kind { _ = try await stranger.latestCheckpoint() } == .unverified)
    }
}
