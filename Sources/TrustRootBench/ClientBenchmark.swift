import Foundation
import TUF

/// Refresh cost over long root chains and a real Sigstore repository, ours against python-tuf.
///
/// Each synthetic chain has `N` rotations of a 3-of-5 ECDSA P-256 root; every version replaces
/// three keys and is signed by the three it removes and the three it adds, so a client verifies
/// six signatures per step. Both clients run as separate processes against one loopback server
/// (``StaticFileServer`` unless Python's, Tests/interop/serve.py, is asked for), measured by
/// Tests/interop/measure.py (wall time and peak resident memory of the process).
struct ClientBenchmark {
    let rotations: [Int]
    let runs: Int
    let sigstoreMirror: String?
    let faketime: String?
    /// Where to build the repositories; kept afterwards when given, for a closer look.
    let keep: String?
    /// Whether the repositories are served by Tests/interop/serve.py instead of in process.
    let pythonServer: Bool

    static let interop = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Tests/interop")
    static let trustroot = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("trustroot")

    func run() throws -> [String: Any] {
        guard FileManager.default.isExecutableFile(atPath: Self.trustroot.path) else {
            benchmarkFailure("\(Self.trustroot.path) missing: build the trustroot product too")
        }
        let work =
            keep.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("trustroot-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(at: work) } }

        var report: [String: Any] = [
            "benchmark": "client", "runs_per_measurement": runs, "server": pythonServer ? "python-http.server" : "swift-nio",
        ]
        var chains: [[String: Any]] = []
        for count in rotations {
            let folder = work.appendingPathComponent("chain-\(count)")
            try Self.makeChain(rotations: count, at: folder)
            let server = try serve(folder)
            defer { server.stop() }
            let url = server.baseURL + "/metadata"
            let root = folder.appendingPathComponent("metadata/1.root.json")
            let ours = try measure(work, root: root, url: url, maxRotations: count + 1, python: false)
            let theirs = try measure(work, root: root, url: url, maxRotations: count + 1, python: true)
            let floor = try Self.signatureCost(verifications: 6 * count)
            chains.append([
                "rotations": count, "trustroot": ours.json, "python_tuf": theirs.json, "signature_cost_seconds": floor,
                "ratio_to_signature_floor": Self.ratio(ours.seconds, floor),
                "python_tuf_over_trustroot": Self.ratio(theirs.seconds, ours.seconds),
            ])
        }
        report["root_chains"] = chains

        // Sigstore's layout, built here: measurable on any machine, at the real time.
        let sigstoreLike = work.appendingPathComponent("sigstore-like")
        try SigstoreLikeRepository.publish(at: sigstoreLike, trustedRoot: try Self.shippedTrustedRoot())
        report["sigstore_like"] = try measureSigstoreRefresh(work, repository: sigstoreLike, startRoot: 1, faketime: nil)
        if let sigstoreMirror {
            report["sigstore"] = try measureSigstoreRefresh(
                work,
                repository: URL(fileURLWithPath: sigstoreMirror),
                startRoot: 5,
                faketime: faketime
            )
        }
        return report
    }

    /// Both clients' refresh of a Sigstore repository from root `startRoot`, with the two files a
    /// Sigstore client downloads.
    func measureSigstoreRefresh(_ work: URL, repository: URL, startRoot: Int, faketime: String?) throws -> [String: Any] {
        let server = try serve(repository)
        defer { server.stop() }
        let url = server.baseURL + "/metadata"
        let root = repository.appendingPathComponent("metadata/\(startRoot).root.json")
        let files = (targetsURL: server.baseURL + "/targets", names: ["trusted_root.json", "signing_config.v0.2.json"])
        // A refresh is short next to the noise of a start on a shared machine, and cheap: a few
        // runs more give a best and a median that hold from one report to the next.
        let ours = try measure(
            work,
            root: root,
            url: url,
            maxRotations: 256,
            python: false,
            faketime: faketime,
            atLeast: Self.sigstoreRuns
        )
        let theirs = try measure(
            work,
            root: root,
            url: url,
            maxRotations: 256,
            python: true,
            faketime: faketime,
            files: files,
            atLeast: Self.sigstoreRuns
        )
        return [
            "start_root": startRoot, "runs": ours.runs, "trustroot": ours.json, "python_tuf": theirs.json,
            "python_tuf_over_trustroot": Self.ratio(theirs.seconds, ours.seconds), "faketime": faketime != nil,
        ]
    }

    /// The fewest runs a Sigstore refresh is measured with, whatever `--runs` says.
    static let sigstoreRuns = 10

    /// The trusted root shipped in metadata/sigstore/production, the size of the one Sigstore serves.
    static func shippedTrustedRoot() throws -> [UInt8] {
        let file = interop.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("metadata/sigstore/production/trusted_root.json")
        return Array(try Data(contentsOf: file))
    }

    /// A loopback server for `folder`, of the kind asked for.
    func serve(_ folder: URL) throws -> any LoopbackServer {
        pythonServer ? try Server(serving: folder) : try StaticFileServer(serving: folder)
    }

    /// One client's figures: its best and median wall times over `runs`, and its largest peak
    /// memory.
    struct Measurement {
        let seconds: Double
        let medianSeconds: Double
        let peakKiB: Int
        let runs: Int

        var json: [String: Any] { ["seconds": seconds, "median_seconds": medianSeconds, "max_rss_kib": peakKiB] }
    }

    /// Best and median wall time and largest peak memory of `runs` (or `atLeast`, if more)
    /// refreshes from a fresh cache.
    func measure(
        _ work: URL,
        root: URL,
        url: String,
        maxRotations: Int,
        python: Bool,
        faketime: String? = nil,
        files: (targetsURL: String, names: [String])? = nil,
        atLeast minimumRuns: Int = 1
    ) throws -> Measurement {
        var times: [Double] = []
        var peak = 0
        for run in 0..<max(runs, minimumRuns) {
            let cache = work.appendingPathComponent("\(python ? "py" : "tr")-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: cache) }
            var command: [String]
            if python {
                command = [
                    "python3", Self.interop.appendingPathComponent("ngclient_refresh.py").path, root.path, cache.path, url,
                    String(maxRotations),
                ]
                if let files { command += [files.targetsURL] + files.names }
            } else {
                let initialized = try Self.execute([
                    Self.trustroot.path, "client", "init", "--repo", url, "--root", root.path, "--cache", cache.path,
                ])
                guard initialized.status == 0 else { benchmarkFailure("client init failed: \(initialized.output)") }
                command = [Self.trustroot.path, "client", "refresh", "--cache", cache.path, "--max-root-rotations", String(maxRotations)]
            }
            if let faketime { command = ["faketime", faketime] + command }
            let result = try Self.execute(["python3", Self.interop.appendingPathComponent("measure.py").path] + command)
            guard result.status == 0,
                let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any],
                let seconds = json["seconds"] as? Double, let rss = json["max_rss_kib"] as? Int
            else { benchmarkFailure("run \(run) of \(python ? "python-tuf" : "trustroot") failed: \(result.output)") }
            times.append(seconds)
            peak = max(peak, rss)
        }
        times.sort()
        return Measurement(
            seconds: Self.rounded(times[0]),
            medianSeconds: Self.rounded(times[times.count / 2]),
            peakKiB: peak,
            runs: times.count
        )
    }

    /// `seconds` to a tenth of a millisecond.
    static func rounded(_ seconds: Double) -> Double { (seconds * 10_000).rounded() / 10_000 }

    /// `seconds` over `base`, to two places.
    static func ratio(_ seconds: Double, _ base: Double) -> Double {
        base > 0 ? (seconds / base * 100).rounded() / 100 : 0
    }

    /// Seconds that `verifications` P-256 signature checks over a root-sized message take here.
    static func signatureCost(verifications: Int) throws -> Double {
        let signer = try InMemorySigner(generating: .ecdsaP256)
        let message = [UInt8](repeating: 0x61, count: 2_500)
        let signature = try signer.sign(message)
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<verifications where !signer.publicKey.isValidSignature(signature, for: message) {
            benchmarkFailure("signature did not verify")
        }
        return rounded(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// Writes a consistent-snapshot repository whose root goes through `rotations` versions.
    static func makeChain(rotations: Int, at folder: URL) throws {
        let metadata = folder.appendingPathComponent("metadata")
        try FileManager.default.createDirectory(at: metadata, withIntermediateDirectories: true)
        let expires = Date().addingTimeInterval(365 * 86_400)
        let online = try InMemorySigner(generating: .ecdsaP256)
        var holders = try (0..<5).map { _ in try InMemorySigner(generating: .ecdsaP256) }
        func root(version: Int) -> Metadata<Root> {
            var keys = Dictionary(uniqueKeysWithValues: holders.map { ($0.publicKey.keyID, $0.publicKey) })
            keys[online.publicKey.keyID] = online.publicKey
            let onlineRole = Role(keyIDs: [online.publicKey.keyID], threshold: 1)
            return Metadata(
                signed: Root(
                    version: version,
                    expires: expires,
                    keys: keys,
                    roles: [
                        "root": Role(keyIDs: holders.map(\.publicKey.keyID), threshold: 3),
                        "timestamp": onlineRole, "snapshot": onlineRole, "targets": onlineRole,
                    ]
                )
            )
        }
        var first = root(version: 1)
        for signer in holders[0..<3] { try first.sign(with: signer) }
        try Data(first.encoded()).write(to: metadata.appendingPathComponent("1.root.json"))
        for version in 2...(rotations + 1) {
            let leaving = Array(holders[2...])
            holders = Array(holders[..<2]) + (try (0..<3).map { _ in try InMemorySigner(generating: .ecdsaP256) })
            var next = root(version: version)
            for signer in leaving + holders[2...] { try next.sign(with: signer) }
            try Data(next.encoded()).write(to: metadata.appendingPathComponent("\(version).root.json"))
        }
        var targets = Metadata(signed: Targets(expires: expires))
        try targets.sign(with: online)
        let targetsBytes = targets.encoded()
        try Data(targetsBytes).write(to: metadata.appendingPathComponent("1.targets.json"))
        var snapshot = Metadata(signed: Snapshot(expires: expires, meta: ["targets.json": MetaFile(version: 1)]))
        try snapshot.sign(with: online)
        try Data(snapshot.encoded()).write(to: metadata.appendingPathComponent("1.snapshot.json"))
        var timestamp = Metadata(signed: Timestamp(expires: expires, snapshotMeta: MetaFile(version: 1)))
        try timestamp.sign(with: online)
        try Data(timestamp.encoded()).write(to: metadata.appendingPathComponent("timestamp.json"))
    }

    static func execute(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// Tests/interop/serve.py on loopback.
    final class Server: LoopbackServer {
        let process = Process()
        let baseURL: String

        init(serving folder: URL) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", ClientBenchmark.interop.appendingPathComponent("serve.py").path, folder.path]
            // Connections stay open between requests, as a CDN keeps them, for both clients.
            process.environment = ProcessInfo.processInfo.environment.merging(["SERVE_KEEP_ALIVE": "1"]) { $1 }
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            var port = ""
            while true {
                guard let byte = pipe.fileHandleForReading.readData(ofLength: 1).first else { benchmarkFailure("serve.py did not start") }
                if byte == UInt8(ascii: "\n") { break }
                port.unicodeScalars.append(Unicode.Scalar(byte))
            }
            baseURL = "http://127.0.0.1:\(port)"
        }

        func stop() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        deinit { kill(process.processIdentifier, SIGKILL) }
    }
}

/// A server the benchmark's clients fetch from.
protocol LoopbackServer {
    /// `http://127.0.0.1:PORT`.
    var baseURL: String { get }
    /// Stops serving.
    func stop()
}
