import Dispatch
import Foundation
import TUF

/// The foundation's hot paths: canonical encoding and parsing throughput over realistic targets
/// metadata, and signature verifications per second for each key type, each measured for about
/// `seconds` on one core.
enum FoundationBenchmark {
    static func run(seconds: Double) throws -> [String: Any] {
        var report: [String: Any] = ["benchmark": "foundation", "seconds_per_measurement": seconds]

        let document = targetsDocument(targets: 2_000)
        let wire = JSONWriter.prettyPrinted(document)
        let canonicalSize = CanonicalJSON.encode(document).count
        let encode = measure(seconds) { _ = CanonicalJSON.encode(document) }
        let parse = measure(seconds) { _ = try! JSONParser().parse(wire) }
        let model = measure(seconds) { _ = try! Metadata<Targets>(bytes: wire) }
        report["document"] = [
            "targets": 2_000, "canonical_bytes": canonicalSize, "wire_bytes": wire.count,
        ]
        report["canonical_encode_mb_per_s"] = rounded(Double(canonicalSize) * encode / 1e6)
        report["json_parse_mb_per_s"] = rounded(Double(wire.count) * parse / 1e6)
        report["targets_metadata_parse_per_s"] = rounded(model)

        var verifications: [String: Any] = [:]
        let message = CanonicalJSON.encode(targetsDocument(targets: 10))
        for kind in InMemorySigner.KeyKind.allCases {
            let signer = try InMemorySigner(generating: kind)
            let signature = try signer.sign(message)
            let key = signer.publicKey
            guard key.isValidSignature(signature, for: message) else {
                benchmarkFailure("\(kind) signature did not verify")
            }
            let rate = measure(seconds) { _ = key.isValidSignature(signature, for: message) }
            verifications[kind.rawValue] = rounded(rate)
        }
        report["verifications_per_s"] = verifications
        return report
    }

    /// Runs `body` repeatedly for about `seconds` and returns runs per second.
    static func measure(_ seconds: Double, _ body: () -> Void) -> Double {
        body()  // warm up
        var runs = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed: UInt64 = 0
        repeat {
            for _ in 0..<8 { body() }
            runs += 8
            elapsed = DispatchTime.now().uptimeNanoseconds - start
        } while Double(elapsed) < seconds * 1e9
        return Double(runs) / (Double(elapsed) / 1e9)
    }

    static func rounded(_ value: Double) -> Double { (value * 10).rounded() / 10 }

    /// Targets metadata shaped like a real repository's: many targets with two hashes and a custom field.
    static func targetsDocument(targets count: Int) -> JSONValue {
        var targets = JSONObject()
        for index in 0..<count {
            let hex = String(repeating: String(format: "%02x", index % 256), count: 32)
            targets["packages/pkg-\(index)/release-\(index % 7).tar.gz"] = [
                "length": .integer(Int64(1_000 + index)),
                "hashes": ["sha256": .string(hex), "sha512": .string(hex + hex)],
                "custom": ["owner": "team-\(index % 13)", "x-é": .integer(Int64(index))],
            ]
        }
        return [
            "signatures": [],
            "signed": [
                "_type": "targets", "spec_version": "1.0.31", "version": 12,
                "expires": "2030-01-01T00:00:00Z",
                "targets": .object(targets),
            ],
        ]
    }

}
