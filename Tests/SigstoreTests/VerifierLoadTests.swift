import Foundation
import Sigstore
import TestSupport
import Testing

/// 10,000 bundles from one log, one in seven tampered with in one of seven ways, verified over
/// all cores: every tampered bundle is refused, every other one verifies, and the process's
/// resident memory does not grow with the number verified.
@Suite("Verifier under load")
struct VerifierLoadTests {
    static let count = 10_000

    /// The resident set size, from /proc (Linux).
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes * 1024
    }

    /// Verifies bundles `range` on `lanes` tasks; returns (verified, refused) index lists.
    static func verify(_ batch: TestBundleBatch, _ range: Range<Int>, verifier: BundleVerifier, lanes: Int) async -> (
        verified: [Int], refused: [Int]
    ) {
        let policy = BundleVerifier.Policy.identity(IdentityPolicy(identity: .exact(TestInstance.identity), issuer: TestInstance.issuerURL))
        return await withTaskGroup(of: ([Int], [Int]).self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    var verified: [Int] = []
                    var refused: [Int] = []
                    for index in stride(from: range.lowerBound + lane, to: range.upperBound, by: lanes) {
                        do {
                            let bundle = try SigstoreBundle(bytes: batch.bundle(index))
                            try await verifier.verify(bundle, artifact: .bytes(TestBundleBatch.artifact(index)), policy: policy)
                            verified.append(index)
                        } catch {
                            refused.append(index)
                        }
                    }
                    return (verified, refused)
                }
            }
            var verified: [Int] = []
            var refused: [Int] = []
            for await (laneVerified, laneRefused) in group {
                verified += laneVerified
                refused += laneRefused
            }
            return (verified, refused)
        }
    }

    @Test func tamperedBundlesAreAllRefusedAndMemoryStaysFlat() async throws {
        let instance = try TestInstance()
        let batch = try TestBundleBatch(instance: instance, count: Self.count, tamperEvery: 7)
        let verifier = BundleVerifier(trustedRoot: try TrustedRoot(bytes: instance.trustedRoot()))
        let lanes = max(2, ProcessInfo.processInfo.activeProcessorCount)

        // Warm up (first-use allocations, caches), then measure across the rest.
        let warmUp = 1_000
        var outcome = await Self.verify(batch, 0..<warmUp, verifier: verifier, lanes: lanes)
        let before = Self.residentBytes()
        let rest = await Self.verify(batch, warmUp..<Self.count, verifier: verifier, lanes: lanes)
        let after = Self.residentBytes()
        outcome.verified += rest.verified
        outcome.refused += rest.refused

        let tampered = Set((0..<Self.count).filter { batch.tampering($0) != .none })
        #expect(tampered.count == Self.count / 7)
        #expect(Set(outcome.refused) == tampered)
        #expect(outcome.verified.count == Self.count - tampered.count)
        // Every way of tampering occurred and was refused.
        #expect(Set(tampered.map { batch.tampering($0) }).count == TestBundleBatch.Tampering.allCases.count - 1)
        // 9,000 more verifications may not cost more than 16 MiB of resident memory.
        #expect(before > 0 && after - before < 16 << 20, "resident memory went from \(before) to \(after) bytes")
    }
}
