import Crypto
import Foundation
import Sigstore

/// Sigstore verification speed: microseconds per bundle on one core and bundles per second on
/// all cores, for chosen bundles of the sigstore-conformance suite's assets, beside
/// sigstore-python verifying the same bundles in process; each bundle's time over the cost of
/// the signatures it needs; and the time of one `trustroot verify` process against
/// sigstore-python's CLI.
struct VerifyBenchmark {
    /// The sigstore-conformance `test/assets/bundle-verify` folder.
    let assets: URL
    let seconds: Double
    /// Each bundle with the signatures its verification needs. A Rekor v1 bundle: the leaf's
    /// issuer (P-384), the SET, the checkpoint, the SCT and the artifact or envelope (P-256).
    /// These Rekor v2 bundles: the leaf's issuer and the timestamp's signer (P-384), the SCT and
    /// the artifact (P-256), the checkpoint (Ed25519). The authorities' own chains are checked
    /// once per trusted root, so they are not part of any bundle's floor. (Counted with
    /// callgrind: the calls of BoringSSL's `ECDSA_do_verify` and `ED25519_verify` per bundle.)
    static let cases = [
        ("v0.3 message signature", "happy-path-v0.3", false, SignatureMix(p256: 4, p384: 1, ed25519: 0)),
        ("DSSE (in-toto)", "happy-path-intoto-in-dsse-v3", true, SignatureMix(p256: 4, p384: 1, ed25519: 0)),
        ("Rekor v2", "rekor2-happy-path", false, SignatureMix(p256: 2, p384: 2, ed25519: 1)),
        (
            "Rekor v2 with timestamp (embedded TSA chain)", "rekor2-timestamp-with-embedded-cert", false,
            SignatureMix(p256: 2, p384: 2, ed25519: 1)
        ),
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
        let signatures: SignatureMix
    }

    func load() throws -> [Case] {
        try Self.cases.map { name, folderName, dsse, signatures in
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
                dsse: dsse,
                signatures: signatures
            )
        }
    }

    func run() async throws -> [String: Any] {
        let cases = try load()
        let policy = BundleVerifier.Policy.identity(IdentityPolicy(identity: .exact(Self.identity), issuer: Self.issuer))
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var report: [String: Any] = ["cores": cores, "seconds_per_measurement": seconds]
        var results: [[String: Any]] = []
        // Each scheme's cost does not depend on the bundle: timed once, combined per bundle.
        let schemeCosts = SchemeCosts(seconds: seconds)
        for testCase in cases {
            let verifier = SignedEntityVerifier(trustedMaterial: testCase.trustedRoot)
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
            // The ratio to the bundle's own signatures, in alternating slices, so that the
            // machine's drift hits both alike.
            let floorRatio = try await interleavedFloorRatio(once, floor: FloorSignatures(testCase.signatures))
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
            results[results.count - 1]["signature_floor"] = [
                "signatures": testCase.signatures.description, "us": schemeCosts.floor(testCase.signatures),
            ]
            results[results.count - 1]["ratio_to_signature_floor"] = [
                "median": floorRatio.median, "lowest": floorRatio.lowest, "highest": floorRatio.highest,
                "best_over_best": floorRatio.bestOverBest, "rounds": floorRatio.rounds,
            ]
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
        report["process"] = try processTimes(cases[0])
        return report
    }

    /// How many signatures of each scheme one bundle's verification needs.
    struct SignatureMix: CustomStringConvertible {
        let p256: Int
        let p384: Int
        let ed25519: Int

        var description: String {
            [(p384, "P-384"), (p256, "P-256"), (ed25519, "Ed25519")].filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
                .joined(separator: " + ")
        }
    }

    /// One bundle's worth of signature verifications and nothing else: keys already parsed,
    /// signatures already decoded, as the floor a verification cannot go below.
    struct FloorSignatures: @unchecked Sendable {
        let mix: SignatureMix
        let message = Array("floor".utf8)
        let p256: P256.Signing.PublicKey
        let p384: P384.Signing.PublicKey
        let ed25519: Curve25519.Signing.PublicKey
        let s256: P256.Signing.ECDSASignature
        let s384: P384.Signing.ECDSASignature
        let sEd25519: Data

        init(_ mix: SignatureMix) {
            self.mix = mix
            let (k256, k384, kEd25519) = (P256.Signing.PrivateKey(), P384.Signing.PrivateKey(), Curve25519.Signing.PrivateKey())
            (p256, p384, ed25519) = (k256.publicKey, k384.publicKey, kEd25519.publicKey)
            s256 = try! k256.signature(for: message)
            s384 = try! k384.signature(for: message)
            sEd25519 = try! kEd25519.signature(for: message)
        }

        func verifyP256() -> Bool { p256.isValidSignature(s256, for: message) }
        func verifyP384() -> Bool { p384.isValidSignature(s384, for: message) }
        func verifyEd25519() -> Bool { ed25519.isValidSignature(sEd25519, for: message) }

        func verifyOnce() {
            for _ in 0..<mix.p256 { precondition(verifyP256()) }
            for _ in 0..<mix.p384 { precondition(verifyP384()) }
            for _ in 0..<mix.ed25519 { precondition(verifyEd25519()) }
        }
    }

    /// Verification time over the floor's, measured in 20 pairs of alternating slices: the
    /// median, lowest and highest of the 20 ratios, and the best verification slice over the
    /// best floor slice (each side's least disturbed time, on a machine shared with others).
    ///
    /// Time is the process's CPU time, not the clock's: on a shared machine the clock also
    /// counts the time other processes held the core, which lands on either side at random.
    /// Both loops run on one thread and start no other, so the process's CPU time is theirs.
    func interleavedFloorRatio(_ once: () async throws -> Void, floor: FloorSignatures) async throws -> (
        median: Double, lowest: Double, highest: Double, bestOverBest: Double, rounds: Int
    ) {
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

    /// One verification of each scheme in microseconds, each timed alone; a bundle's floor is
    /// its mix of these.
    struct SchemeCosts {
        let p256: Double
        let p384: Double
        let ed25519: Double

        init(seconds: Double) {
            let floor = FloorSignatures(SignatureMix(p256: 0, p384: 0, ed25519: 0))
            func time(_ body: () -> Bool) -> Double {
                var count = 0
                let start = Date()
                while Date().timeIntervalSince(start) < seconds / 4 {
                    precondition(body())
                    count += 1
                }
                return Date().timeIntervalSince(start) / Double(count) * 1e6
            }
            (p256, p384, ed25519) = (time(floor.verifyP256), time(floor.verifyP384), time(floor.verifyEd25519))
        }

        /// The cost of `mix`'s signatures in microseconds.
        func floor(_ mix: SignatureMix) -> Double {
            let total = Double(mix.p256) * p256 + Double(mix.p384) * p384 + Double(mix.ed25519) * ed25519
            return (total * 10).rounded() / 10
        }
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
