import Crypto
import Foundation
import NetworkTransport
import Plumbing
import TestSupport
import Testing

@testable import TransparencyLog

/// A Rekor v1 log read through its REST API from the loopback stand-in: entries by index, in
/// batches and by search, each proved against the log's signed checkpoint; sharded logs'
/// indexes; and every kind of lie the log can tell refused with its kind of error.
@Suite("Rekor v1 logs")
struct RekorV1LogTests {
    /// The stand-in's log with `count` entries in all: those the instance starts with, then
    /// hashedrekord entries, each over the digest of its index.
    static func services(entries count: Int) throws -> TestSigstoreServices {
        let services = try TestSigstoreServices()
        for index in services.instance.leaves.count..<count {
            _ = services.instance.append(body(index))
        }
        return services
    }

    static func body(_ index: Int) -> [UInt8] {
        TestInstance.hashedRekordV1Entry(certificate: Array("not parsed \(index)".utf8), digest: digest(index))
    }

    static func digest(_ index: Int) -> [UInt8] { Array(SHA256.hash(data: Array("artifact \(index)".utf8))) }

    static func log(_ services: TestSigstoreServices, key: P256.Signing.PublicKey? = nil) throws -> RekorV1Log {
        let verifier = try ECDSANoteVerifier(derPublicKey: Array((key ?? services.instance.logKey.publicKey).derRepresentation))
        return RekorV1Log(baseURL: services.logURL, keys: [verifier], transport: HTTPClientTransport(idleTimeout: 10, transferTimeout: 30))
    }

    @Test func readsEntriesInBatchesAndProvesConsistency() async throws {
        let services = try Self.services(entries: 25)
        let log = try Self.log(services)
        let checkpoint = try await log.latestCheckpoint()
        #expect(checkpoint.treeSize == 25)
        #expect(checkpoint.origin == services.instance.origin)
        let view = try await log.view(at: checkpoint)
        #expect(view.shardOffset == 0)

        var read: [LoggedEntry] = []
        var next: Int64 = 0
        while next < checkpoint.treeSize {
            let batch = try await view.batch(from: next)
            #expect(batch.count == min(10, 25 - Int(next)))
            read += batch
            next = batch.last!.index + 1
        }
        #expect(read.map(\.body) == services.instance.leaves)
        #expect(read.map(\.index) == Array(0..<25))
        #expect(read.allSatisfy { $0.integratedTime != nil })

        let (entry, proof) = try await view.entry(at: 7)
        #expect(entry.body == Self.body(7))
        #expect(
            MerkleInclusion.rootHash(leafHash: MerkleInclusion.leafHash(entry.body), index: 7, treeSize: 25, proof: proof)
                == checkpoint.rootHash
        )

        // The log grows; the old checkpoint's view reads entries proved in the newer tree and
        // checks the two trees are one log.
        for index in 25..<40 { _ = services.instance.append(Self.body(index)) }
        let later = try await view.entry(at: 13)
        #expect(later.entry.body == Self.body(13))
        let newer = try await log.latestCheckpoint()
        let grown = try await log.view(at: newer)
        for size: Int64 in [1, 5, 16, 25, 39] {
            let consistency = try await grown.consistencyProof(from: size)
            let old = TestMerkleTree(Array(services.instance.leaves.prefix(Int(size))))
            #expect(
                MerkleConsistency.verify(
                    firstSize: size,
                    firstRoot: old.rootHash,
                    secondSize: 40,
                    secondRoot: newer.rootHash,
                    proof: consistency
                )
            )
        }
        await #expect {
            _ = try await view.entry(at: 25)
        } throws: { error in
            (error as? LogError)?.kind == .notFound
        }
    }

    @Test func searchesByDigestAndKeyAndReadsEachMatch() async throws {
        let services = try Self.services(entries: 12)
        let key = P256.Signing.PrivateKey()
        let certificate = try services.instance.issue(to: .init(key.publicKey), at: services.instance.epoch)
        let der = TestInstance.der(certificate)
        let signed = TestInstance.hashedRekordV1Entry(certificate: der, digest: Self.digest(99))
        _ = services.instance.append(signed)
        let log = try Self.log(services)
        let checkpoint = try await log.latestCheckpoint()

        let byDigest = try await log.search(sha256: Self.digest(8), under: checkpoint)
        #expect(byDigest.map(\.logIndex) == [8])
        #expect(byDigest.first?.body == Self.body(8))
        let byKey = try await log.search(publicKeyPEM: TestInstance.pem("CERTIFICATE", der), under: checkpoint)
        #expect(byKey.map(\.logIndex) == [12])
        let none = try await log.search(sha256: Self.digest(1000), under: checkpoint)
        #expect(none.isEmpty)
    }

    @Test func numbersEntriesAcrossShards() async throws {
        let services = try Self.services(entries: 15)
        services.logShardOffset = 1_000
        let log = try Self.log(services)
        let info = try await log.info()
        #expect(info.shardOffset == 1_000)
        let view = try await log.view(at: info.checkpoint)
        let batch = try await view.batch(from: 10)
        #expect(batch.map(\.index) == Array(10..<15))
        #expect(batch.map(\.logIndex) == Array(1_010..<1_015))
        let byLogIndex = try await view.entry(logIndex: 1_004)
        #expect(byLogIndex.entry.index == 4 && byLogIndex.entry.body == services.instance.leaves[4])
        let byPosition = try await view.entry(at: 4)
        #expect(byPosition.entry == byLogIndex.entry)

        // Earlier shards that hold nearly Int64.max entries: the log index of a later position
        // overflows, which is refused rather than trapped on.
        services.logShardOffset = Int64.max - 5
        let huge = try await log.view(at: try await log.latestCheckpoint())
        for work in [{ _ = try await huge.entry(at: 10) }, { _ = try await huge.batch(from: 8) }] as [() async throws -> Void] {
            await #expect {
                try await work()
            } throws: { error in
                (error as? LogError)?.kind == .malformed
            }
        }
    }

    @Test(arguments: [
        (TestSigstoreServices.Fault.logBadSET, LogError.Kind.unverified),
        (.logBadInclusionProof, .malformed),
        (.logUntrustedHead, .unverified),
        (.logHTTPError, .unreachable),
    ])
    func refusesALyingLog(fault: TestSigstoreServices.Fault, kind: LogError.Kind) async throws {
        let services = try Self.services(entries: 12)
        let log = try Self.log(services)
        let view = try await log.view(at: try await log.latestCheckpoint())
        services.inject(fault)
        await #expect {
            _ = try await view.batch(from: 0)
        } throws: { error in
            (error as? LogError)?.kind == kind
        }
        await #expect {
            _ = try await view.entry(at: 3)
        } throws: { error in
            (error as? LogError)?.kind == kind
        }
    }

    @Test func refusesARewrittenLogAndAnotherKey() async throws {
        let services = try Self.services(entries: 12)
        let log = try Self.log(services)
        let view = try await log.view(at: try await log.latestCheckpoint())
        services.inject(.logRewritten)
        // The same size with another root: the log signed two trees of one size.
        await #expect {
            _ = try await view.entry(at: 5)
        } throws: { error in
            (error as? LogError)?.kind == .inconsistent
        }
        services.clearFaults()
        _ = services.instance.append(Self.body(12))
        services.inject(.logRewritten)
        // A larger tree that does not extend the view's.
        await #expect {
            _ = try await view.batch(from: 0)
        } throws: { error in
            (error as? LogError)?.kind == .inconsistent
        }
        services.clearFaults()
        let stranger = try Self.log(services, key: P256.Signing.PrivateKey().publicKey)
        await #expect {
            _ = try await stranger.latestCheckpoint()
        } throws: { error in
            (error as? LogError)?.kind == .unverified
        }
    }
}
