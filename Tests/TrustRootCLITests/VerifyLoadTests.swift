import Foundation
import TUF
import TestSupport
import Testing

/// `trustroot verify --batch` over 10,000 bundles from one log, one in seven tampered with in one
/// of seven ways: every tampered bundle is refused, every other one verifies, and the process's
/// peak memory for 10,000 is within 16 MiB of its peak for 1,000. (The verifier runs in a process
/// of its own, so the measure is its memory alone, not the test runner's.)
@Suite("Verifier under load")
struct VerifyLoadTests {
    static let count = 10_000

    /// Runs `trustroot verify --batch LIST` under measure.py; returns the measurement and the
    /// verifier's output.
    static func measureBatch(_ list: URL, folder: TemporaryDirectory, trustedRoot: URL) async throws -> (
        TrustRootBinary.Measurement, stdout: String
    ) {
        let output = folder.file("\(list.lastPathComponent).out")
        let measurement = try await TrustRootBinary.measured(
            [
                "verify", "--batch", list.path, "--trusted-root", trustedRoot.path, "--certificate-identity", TestInstance.identity,
                "--certificate-oidc-issuer", TestInstance.issuerURL,
            ],
            stdout: output
        )
        return (measurement, String(decoding: try folder.read(output.lastPathComponent), as: UTF8.self))
    }

    @Test func tamperedBundlesAreAllRefusedAndMemoryStaysFlat() async throws {
        let folder = try TemporaryDirectory()
        let instance = try TestInstance()
        let batch = try TestBundleBatch(instance: instance, count: Self.count, tamperEvery: 7)
        try folder.write("trusted_root.json", instance.trustedRoot())
        try FileManager.default.createDirectory(at: folder.file("bundles"), withIntermediateDirectories: true)
        var lines: [String] = []
        for index in 0..<Self.count {
            let path = folder.file("bundles/\(index).json").path
            try Data(batch.bundle(index)).write(to: URL(fileURLWithPath: path))
            lines.append("\(path)\tsha256:\(Hex.encode(TestBundleBatch.artifactSHA256(index)))")
        }
        try folder.write("first-1000.txt", Array(lines.prefix(1_000).joined(separator: "\n").utf8))
        try folder.write("all.txt", Array(lines.joined(separator: "\n").utf8))

        let (small, _) = try await Self.measureBatch(
            folder.file("first-1000.txt"),
            folder: folder,
            trustedRoot: folder.file("trusted_root.json")
        )
        let (large, largeOutput) = try await Self.measureBatch(
            folder.file("all.txt"),
            folder: folder,
            trustedRoot: folder.file("trusted_root.json")
        )
        #expect(small.status == 1 && large.status == 1, "some bundles are tampered with: exit 1")

        var refused: Set<Int> = []
        var verified = 0
        for line in largeOutput.split(separator: "\n") {
            let index = Int(line.split(separator: "/").last?.split(separator: ".").first ?? "") ?? -1
            if line.hasPrefix("ok ") {
                verified += 1
            } else if line.hasPrefix("FAILED ") {
                refused.insert(index)
            }
        }
        let tampered = Set((0..<Self.count).filter { batch.tampering($0) != .none })
        #expect(tampered.count == Self.count / 7)
        #expect(refused == tampered)
        #expect(verified == Self.count - tampered.count)
        #expect(Set(tampered.map { batch.tampering($0) }).count == TestBundleBatch.Tampering.allCases.count - 1)
        #expect(
            large.peakKiB - small.peakKiB < 16 * 1024,
            "peak resident memory: \(small.peakKiB) KiB for 1,000 bundles, \(large.peakKiB) KiB for 10,000"
        )
    }
}
