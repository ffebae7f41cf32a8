import Crypto
import Foundation
import Sigstore

/// Sigstore verification speed: microseconds per bundle on one core and bundles per second on
/// all cores, for chosen bundles of the sigstore-conformance suite's assets, beside
/// sigstore-python verifying the same bundles in process, the signature-only floor of a v0.3
/// bundle, and the time of one `trustroot verify` process against sigstore-python's CLI.
struct VerifyBenchmark {
    /// The sigstore-conformance `test/assets/bundle-verify` folder.
    let assets: URL
    let seconds: Double
    static let cases = [
        ("v0.3 message signature", "happy-path-v0.3", false),
        ("DSSE (in-toto)", "happy-path-intoto-in-dsse-v3", true),
        ("Rekor v2", "rekor2-happy-path", false),
        ("Rekor v2 with timestamp (embedded TSA chain)", "rekor2-timestamp-with-embedded-cert", false),
    ]
    static let identity =
        "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
    static let issuer = "https://token.actions.githubusercontent.com"

    /// The production trusted root TrustRoot ships: the same bytes as sigstore-python's own copy.
    static let shippedProductionRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("metadata/sigstore/production/trusted_root.json")

    struct Case {
        let name: String
        let folder: URL
        let bundle: SigstoreBundle
        let artifact: [UInt8]
        let trustedRoot: TrustedRoot
        let trustedRootPath: String?
        let dsse: Bool
    }

    func load() throws -> [Case] {
        try Self.cases.map { name, folderName, dsse in
            let folder = assets.appendingPathComponent(folderName)
            let rootPath = folder.appendingPathComponent("trusted_root.json").path
            let hasRoot = FileManager.default.fileExists(atPath: rootPath)
            let artifactURL =
                FileManager.default.fileExists(atPath: folder.appendingPathComponent("artifact").path)
                ? folder.appendingPathComponent("artifact") : assets.appendingPathComponent("a.txt")
            return Case(
                name: name,
                folder: folder,
                bundle: try SigstoreBundle(bytes: Array(try Data(contentsOf: folder.appendingPathComponent("bundle.sigstore.json")))),
                artifact: Array(try Data(contentsOf: artifactURL)),
                trustedRoot: try hasRoot
                    ? TrustedRoot(bytes: Array(Data(contentsOf: URL(fileURLWithPath: rootPath))))
                    : KnownTrustedRoot.production.trustedRoot(),
                trustedRootPath: hasRoot ? rootPath : nil,
                dsse: dsse
            )
        }
    }

    func run() async throws -> [String: Any] {
        let cases = try load()
        let policy = BundleVerifier.Policy.identity(IdentityPolicy(identity: .exact(Self.identity), issuer: Self.issuer))
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var report: [String: Any] = ["cores": cores, "seconds_per_measurement": seconds]
        var results: [[String: Any]] = []
        for testCase in cases {
            let verifier = BundleVerifier(trustedRoot: testCase.trustedRoot)
            try await verifier.verify(testCase.bundle, artifact: .bytes(testCase.artifact), policy: policy)
            // One core: parse the bundle and verify it, as a caller with bundle bytes does.
            let bundleBytes = Array(try Data(contentsOf: testCase.folder.appendingPathComponent("bundle.sigstore.json")))
            func once() async throws {
                let bundle = try SigstoreBundle(bytes: bundleBytes)
                try await verifier.verify(bundle, artifact: .bytes(testCase.artifact), policy: policy)
            }
            var count = 0
            let start = Date()
            while Date().timeIntervalSince(start) < seconds {
                try await once()
                count += 1
            }
            let single = Date().timeIntervalSince(start) / Double(count) * 1e6
            // The two Rekor v1 bundles need exactly the floor's signatures; their ratio to it is
            // measured in alternating slices, so that the machine's drift hits both alike.
            let floorRatio = testCase.name.contains("v0.3") || testCase.name.contains("DSSE") ? try await interleavedFloorRatio(once) : nil
            // All cores: one task per core, each verifying in a loop.
            let allStart = Date()
            let total = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<cores {
                    group.addTask {
                        var done = 0
                        while Date().timeIntervalSince(allStart) < seconds {
                            let bundle = try SigstoreBundle(bytes: bundleBytes)
                            try await verifier.verify(bundle, artifact: .bytes(testCase.artifact), policy: policy)
                            done += 1
                        }
                        return done
                    }
                }
                return try await group.reduce(0, +)
            }
            let perSecond = Double(total) / Date().timeIntervalSince(allStart)
            results.append([
                "bundle": testCase.name, "asset": testCase.folder.lastPathComponent,
                "trustroot_one_core_us": (single * 10).rounded() / 10,
                "trustroot_one_core_per_second": Int(1e6 / single),
                "trustroot_all_cores_per_second": Int(perSecond),
                "scaling": (perSecond / (1e6 / single) * 100).rounded() / 100,
            ])
            if let floorRatio {
                results[results.count - 1]["ratio_to_signature_floor"] = [
                    "median": floorRatio.median, "lowest": floorRatio.lowest, "highest": floorRatio.highest,
                    "best_over_best": floorRatio.bestOverBest, "rounds": floorRatio.rounds,
                ]
            }
        }
        // sigstore-python on the same bundles, in process.
        let python = try pythonTimes(cases)
        for index in results.indices {
            let name = results[index]["bundle"] as! String
            if let microseconds = python[name] {
                results[index]["sigstore_python_us"] = (microseconds * 10).rounded() / 10
                results[index]["speedup_over_sigstore_python"] =
                    ((microseconds / (results[index]["trustroot_one_core_us"] as! Double)) * 10).rounded() / 10
            }
        }
        report["bundles"] = results
        report["signature_floor_v0_3_us"] = signatureFloor()
        report["process"] = try processTimes(cases[0])
        return report
    }

    /// One bundle's worth of signature verifications for a Rekor v1 bundle: 1 P-384 (the
    /// leaf's issuer) and 4 P-256 (SET, checkpoint, SCT, artifact).
    struct FloorSignatures: @unchecked Sendable {
        let p256 = P256.Signing.PrivateKey()
        let p384 = P384.Signing.PrivateKey()
        let message = Array("floor".utf8)
        let s256: P256.Signing.ECDSASignature
        let s384: P384.Signing.ECDSASignature

        init() {
            s256 = try! p256.signature(for: message)
            s384 = try! p384.signature(for: message)
        }

        func verifyOnce() {
            for _ in 0..<4 { precondition(p256.publicKey.isValidSignature(s256, for: message)) }
            precondition(p384.publicKey.isValidSignature(s384, for: message))
        }
    }

    /// Verification time over the floor's, measured in 20 pairs of alternating slices: the
    /// median, lowest and highest of the 20 ratios, and the best verification slice over the
    /// best floor slice (each side's least disturbed time, on a machine shared with others).
    ///
    /// Time is the process's CPU time, not the clock's: on a shared machine the clock also
    /// counts the time other processes held the core, which lands on either side at random.
    /// Both loops run on one thread and start no other, so the process's CPU time is theirs.
    func interleavedFloorRatio(_ once: () async throws -> Void) async throws -> (
        median: Double, lowest: Double, highest: Double, bestOverBest: Double, rounds: Int
    ) {
        let floor = FloorSignatures()
        let rounds = 20
        let slice = seconds / Double(rounds)
        var ratios: [Double] = []
        var bestVerify = Double.infinity
        var bestFloor = Double.infinity
        for _ in 0..<rounds {
            var verified = 0
            var start = Self.processCPUTime()
            while Self.processCPUTime() - start < slice {
                try await once()
                verified += 1
            }
            let verifyTime = (Self.processCPUTime() - start) / Double(verified)
            var floors = 0
            start = Self.processCPUTime()
            while Self.processCPUTime() - start < slice {
                floor.verifyOnce()
                floors += 1
            }
            let floorTime = (Self.processCPUTime() - start) / Double(floors)
            ratios.append(verifyTime / floorTime)
            bestVerify = min(bestVerify, verifyTime)
            bestFloor = min(bestFloor, floorTime)
        }
        ratios.sort()
        func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
        return (rounded(ratios[rounds / 2]), rounded(ratios[0]), rounded(ratios[rounds - 1]), rounded(bestVerify / bestFloor), rounds)
    }

    /// The CPU time this process has used, in seconds.
    static func processCPUTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The cost of the signatures a v0.3 Rekor v1 bundle needs: 1 P-384 (the leaf's issuer)
    /// and 4 P-256 (SET, checkpoint, SCT, artifact).
    func signatureFloor() -> Double {
        let floor = FloorSignatures()
        let (p256, p384, message, s256, s384) = (floor.p256, floor.p384, floor.message, floor.s256, floor.s384)
        func time(_ body: () -> Bool) -> Double {
            var count = 0
            let start = Date()
            while Date().timeIntervalSince(start) < seconds / 2 {
                precondition(body())
                count += 1
            }
            return Date().timeIntervalSince(start) / Double(count) * 1e6
        }
        let one256 = time { p256.publicKey.isValidSignature(s256, for: message) }
        let one384 = time { p384.publicKey.isValidSignature(s384, for: message) }
        return ((4 * one256 + one384) * 10).rounded() / 10
    }

    func pythonTimes(_ cases: [Case]) throws -> [String: Double] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/interop/sigstore_verify_bench.py")
        let specs = try cases.map { testCase -> String in
            let artifactPath =
                FileManager.default.fileExists(atPath: testCase.folder.appendingPathComponent("artifact").path)
                ? testCase.folder.appendingPathComponent("artifact").path : assets.appendingPathComponent("a.txt").path
            let spec: [String: Any] = [
                "name": testCase.name, "bundle": testCase.folder.appendingPathComponent("bundle.sigstore.json").path,
                "artifact": artifactPath, "trusted_root": testCase.trustedRootPath ?? Self.shippedProductionRoot.path,
                "identity": Self.identity,
                "issuer": Self.issuer, "dsse": testCase.dsse,
            ]
            return String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
        }
        let output = try runProcess(["python3", script.path, String(seconds)] + specs)
        guard let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Double] else {
            benchmarkFailure("sigstore-python benchmark printed no result")
        }
        return object
    }

    /// Wall time of one verification process: `trustroot verify` against `python3 -m sigstore verify`.
    func processTimes(_ testCase: Case) throws -> [String: Any] {
        let trustroot = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("trustroot").path
        let bundle = testCase.folder.appendingPathComponent("bundle.sigstore.json").path
        let artifact = assets.appendingPathComponent("a.txt").path
        let ours = [
            trustroot, "verify", "--bundle", bundle, "--certificate-identity", Self.identity, "--certificate-oidc-issuer", Self.issuer,
            "--cache", "/nonexistent-trustroot-bench", artifact,
        ]
        let theirs = [
            Self.executable("python3"), "-m", "sigstore", "verify", "identity", "--offline", "--bundle", bundle, "--cert-identity",
            Self.identity,
            "--cert-oidc-issuer", Self.issuer, artifact,
        ]
        func median(_ command: [String], runs: Int) throws -> Double {
            var times: [Double] = []
            for _ in 0..<runs {
                let start = Date()
                _ = try runProcess(command)
                times.append(Date().timeIntervalSince(start) * 1000)
            }
            return (times.sorted()[runs / 2] * 10).rounded() / 10
        }
        return [
            "bundle": testCase.name, "trustroot_verify_ms": try median(ours, runs: 21),
            "sigstore_python_cli_ms": try median(theirs, runs: 5),
        ]
    }

    /// `name`'s path on $PATH, so that a timed process is started directly rather than through
    /// /usr/bin/env, which would add its own start to the time.
    static func executable(_ name: String) -> String {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) } ?? name
    }

    func runProcess(_ command: [String]) throws -> String {
        let process = Process()
        if command[0].hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = command
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { benchmarkFailure("\(command.prefix(4).joined(separator: " ")) failed") }
        return String(decoding: data, as: UTF8.self)
    }
}
