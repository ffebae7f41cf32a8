import Foundation
import Plumbing
import Sigstore
import TUF
import TUFClient
import TransparencyLog
import X509

/// One `trustroot verify`: what to verify and under which policy, and the verification itself.
/// ``VerifyCommand`` (ArgumentParser) and ``VerifyArgumentScanner`` (the quick path for the usual
/// command lines) both produce it.
struct VerifyRequest: Equatable, Sendable {
    /// A command line that asks for something impossible, such as both a bundle and a batch.
    struct UsageError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    var bundle: String?
    var batch: String?
    var certificateIdentity: String?
    var certificateIdentityRegexp: String?
    var certificateOidcIssuer: String?
    /// `NUMBER=VALUE` pairs, as given.
    var claims: [String] = []
    var predicateType: String?
    var key: String?
    /// The managed key's scheme by protobuf-specs' name, such as `PKIX_RSA_PSS_3072_SHA256`.
    var keyDetails: String?
    /// `--min-log-entries`, `--min-timestamps`, `--min-scts`: thresholds over what each trusted
    /// root calls for.
    var minimumLogEntries: Int?
    var minimumTimestamps: Int?
    var minimumSCTs: Int?
    var trust = TrustedRootSource()
    var json = false
    /// `--online`: confirm each log entry with its log after the bundle verifies.
    var online = false
    var artifact: String?

    func validate() throws {
        guard (bundle != nil && artifact != nil && batch == nil) || (batch != nil && bundle == nil && artifact == nil) else {
            throw UsageError("give --bundle and the artifact, or --batch FILE")
        }
        if key == nil {
            guard (certificateIdentity == nil) != (certificateIdentityRegexp == nil), certificateOidcIssuer != nil else {
                throw UsageError(
                    "give --certificate-identity (or --certificate-identity-regexp) and --certificate-oidc-issuer, or --key"
                )
            }
        }
        for (flag, value) in [
            ("--min-log-entries", minimumLogEntries), ("--min-timestamps", minimumTimestamps), ("--min-scts", minimumSCTs),
        ] {
            if let value, !(0...16).contains(value) { throw UsageError("\(flag) must be from 0 to 16") }
        }
        guard !online || batch == nil else { throw UsageError("--online checks one --bundle, not a --batch") }
        guard keyDetails == nil || key != nil else { throw UsageError("--key-details names the scheme of a --key") }
        for claim in claims where Self.parseClaim(claim) == nil {
            throw UsageError("--claim must be NUMBER=VALUE with a number from 1 to 9999 and a value, not \(claim)")
        }
    }

    /// Above this size an artifact is hashed as a stream rather than read whole.
    static let streamingThreshold = 256 << 20

    /// The artifact named on the command line: a file, or `sha256:HEX`, `sha384:HEX` or
    /// `sha512:HEX` (a file of that name is taken as the file).
    static func artifactValue(_ argument: String, streamingHash: VerificationKey.Hash = .sha256) throws -> BundleVerifier.Artifact {
        let size = fileSize(argument)
        if size == nil {
            do {
                if let digest = try BundleVerifier.Artifact(digestArgument: argument) { return digest }
            } catch {
                throw CLIError(message: error.description, code: .usage)
            }
        }
        // A large artifact is hashed as a stream: ECDSA signatures and in-toto subjects need only
        // one digest. (Ed25519 and RSA message signatures need the bytes, and then fail clearly.)
        if let size, size > Self.streamingThreshold {
            return BundleVerifier.Artifact(streamingHash, try digestOfFile(argument, streamingHash))
        }
        return .bytes(try readFile(argument, limit: Self.streamingThreshold, acceptingStreams: true))
    }

    /// The digest a large artifact is streamed into for `bundle`: the hash its message signature
    /// names or its certificate's key prescribes; SHA-256 for the rest (in-toto subjects).
    static func streamingHash(_ bundle: SigstoreBundle) -> VerificationKey.Hash {
        guard case .messageSignature(_, let algorithm, _) = bundle.content else { return .sha256 }
        if let hash = algorithm.flatMap(VerificationKey.Hash.init(name:)) { return hash }
        return bundle.leafCertificate.flatMap { try? VerificationKey(certificateKey: $0.publicKey).hash } ?? .sha256
    }

    func run() async throws {
        // A digest is read (and a malformed one refused as a usage error) before any file is.
        let digest = try artifact.flatMap { fileSize($0) == nil ? try Self.artifactValue($0) : nil }
        let (material, source) = try await trust.loadMaterial()
        let verifier = SignedEntityVerifier(trustedMaterial: material) { thresholds in
            thresholds.transparencyLogEntries = minimumLogEntries ?? thresholds.transparencyLogEntries
            thresholds.timestamps = minimumTimestamps ?? thresholds.timestamps
            thresholds.signedCertificateTimestamps = minimumSCTs ?? thresholds.signedCertificateTimestamps
        }
        let run = VerificationRun(verifier: verifier, policy: try makePolicy(), predicateType: predicateType)
        if let batch {
            try await runBatch(batch, run)
            return
        }
        let bundle = bundle!
        let artifact = artifact!
        let bundleValue: SigstoreBundle
        do {
            bundleValue = try SigstoreBundle(bytes: try readFile(bundle, limit: 16 << 20))
        } catch let error as VerificationError {
            report(VerificationReport(.failed(error, VerificationError.Progress()), certificate: nil), source: source)
            throw CLIError(message: "\(bundle): \(error)", code: .invalidData)
        }
        let artifactValue = try digest ?? Self.artifactValue(artifact, streamingHash: Self.streamingHash(bundleValue))
        let outcome = await run.verify(bundleValue, artifact: artifactValue)
        if case .failed(let error, _) = outcome.outcome {
            report(outcome, source: source)
            throw CLIError(message: "\(bundle): \(error)", code: error.check == .bundle ? .invalidData : .verificationFailed)
        }
        // Only a bundle that verified offline is taken to its logs; and it is reported verified
        // only once they confirm it.
        let confirmations = online ? try await confirmOnline(bundleValue, material.trustedRoots, bundle: bundle) : nil
        report(outcome, source: source, confirmations: confirmations)
    }

    /// Confirms every log entry of `bundle` with the log the trusted roots list for its log id:
    /// Rekor v1 at the log's URL for an entry with an integrated time or a promise, else the
    /// Rekor v2 tiles under `<URL>/api/v2`.
    func confirmOnline(_ bundle: SigstoreBundle, _ roots: [TrustedRoot], bundle path: String) async throws -> [LogEntryConfirmation] {
        let transport = LogOptions.transport
        var confirmations: [LogEntryConfirmation] = []
        let logs = roots.flatMap(\.transparencyLogs)
        for entry in bundle.transparencyLogEntries {
            guard let log = logs.first(where: { $0.logID == entry.logID }), let base = URL(string: log.baseURL),
                let scheme = base.scheme?.lowercased(), scheme == "https" || scheme == "http"
            else {
                throw CLIError(
                    message: "\(path): --online: the trusted root gives no http(s) URL for the log of entry \(entry.logIndex)",
                    code: .invalidData
                )
            }
            let keys: [any NoteVerifier] = logs.filter { $0.baseURL == log.baseURL }.map(TrustedLogKey.init)
            let confirmation: LogEntryConfirmation
            do {
                if entry.integratedTime != nil || entry.signedEntryTimestamp != nil {
                    let source = RekorV1Log(baseURL: base, keys: keys, transport: transport)
                    confirmation = try await LogEntryConfirmation.confirm(entry, with: source)
                } else {
                    let client = TiledLogClient(prefix: base.appendingPathComponent("api/v2"), fetcher: transport)
                    confirmation = try await LogEntryConfirmation.confirm(entry, with: TiledLog(client: client, keys: keys))
                }
            } catch {
                throw CLIError(message: "\(path): --online: \(error)", code: CLIError.code(of: error.kind))
            }
            confirmations.append(confirmation)
        }
        return confirmations
    }

    /// Verifies every line of `path` (`BUNDLE<TAB>ARTIFACT`) with one task per core; prints
    /// `ok` or `FAILED` and the reason for each, in the file's order.
    func runBatch(_ path: String, _ run: VerificationRun) async throws {
        let lines = String(decoding: try readFile(path), as: UTF8.self).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        let jobs = try lines.enumerated().map { index, line -> (bundle: String, artifact: String) in
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw CLIError(message: "\(path):\(index + 1): not BUNDLE<TAB>ARTIFACT", code: .invalidData) }
            return (parts[0], parts[1])
        }
        let progress = TerminalProgress()
        // Only each job's failure is kept: a batch of any size holds the reports in flight only.
        var failures = [String?](repeating: nil, count: jobs.count)
        var done = 0
        await run.verifyBatch(
            jobs,
            load: { job in
                let bundle = try SigstoreBundle(bytes: try readFile(job.bundle, limit: 16 << 20))
                return (bundle, try Self.artifactValue(job.artifact, streamingHash: Self.streamingHash(bundle)))
            },
            report: { index, report in
                failures[index] = report.failure
                done += 1
                progress.show("verified \(done) of \(jobs.count)")
            }
        )
        progress.finish()
        var failed = 0
        for (job, failure) in zip(jobs, failures) {
            if let failure {
                failed += 1
                print("FAILED \(job.bundle): \(failure)")
            } else {
                print("ok \(job.bundle)")
            }
        }
        print("\(jobs.count - failed) verified, \(failed) failed, \(jobs.count) in all")
        if failed > 0 {
            throw CLIError(message: "\(failed) of \(jobs.count) bundles failed verification", code: .verificationFailed)
        }
    }

    func makePolicy() throws -> BundleVerifier.Policy {
        let policy: BundleVerifier.Policy
        if let key {
            do {
                let pem = String(decoding: try readFile(key, limit: 1 << 16), as: UTF8.self)
                policy = .key(try VerificationKey(pem: pem, keyDetails: keyDetails ?? ""))
            } catch let error as VerificationError {
                throw CLIError(message: "\(key): \(error)", code: .invalidData)
            }
        } else {
            var claimValues: [Int: String] = [:]
            for claim in claims {
                guard let (number, value) = Self.parseClaim(claim) else { throw UsageError("--claim must be NUMBER=VALUE, not \(claim)") }
                claimValues[number] = value
            }
            let identity: IdentityPolicy.Match = certificateIdentity.map { .exact($0) } ?? .regularExpression(certificateIdentityRegexp!)
            policy = .identity(IdentityPolicy(identity: identity, issuer: certificateOidcIssuer!, claims: claimValues))
        }
        return policy
    }

    /// Prints the report: with --json, every check's state, the verified times and the signer
    /// (``VerificationReport/json(trustedRoot:)``); otherwise one line when it verified.
    func report(_ report: VerificationReport, source: String, confirmations: [LogEntryConfirmation]? = nil) {
        guard json else {
            if report.isVerified { print("verified: \(artifact ?? "") (trusted root: \(source))") }
            for confirmation in confirmations ?? [] {
                let bundled = confirmation.bundleTreeSize.map { ", which extends the bundle's tree of size \($0)" } ?? ""
                print(
                    "online: entry \(confirmation.logIndex) is in \(confirmation.origin) at size \(confirmation.currentTreeSize)\(bundled)"
                )
            }
            return
        }
        var json = report.json(trustedRoot: source)
        if let confirmations, case .object(var object) = json {
            object["online"] = .array(
                confirmations.map { confirmation in
                    var item = JSONObject()
                    item["log_index"] = .integer(confirmation.logIndex)
                    item["origin"] = .string(confirmation.origin)
                    item["tree_size"] = .integer(confirmation.currentTreeSize)
                    item["bundle_tree_size"] = confirmation.bundleTreeSize.map(JSONValue.integer) ?? .null
                    item["consistency_proof_hashes"] = .integer(Int64(confirmation.consistencyProofLength))
                    return .object(item)
                }
            )
            json = .object(object)
        }
        FileHandleOutput.standardOutput.write(JSONWriter.prettyPrinted(json))
    }

    /// The extension number and value of a `--claim NUMBER=VALUE`; `nil` unless the number is
    /// a plain decimal from 1 to 9999 and the value is not empty.
    static func parseClaim(_ claim: String) -> (Int, String)? {
        guard let equals = claim.firstIndex(of: "=") else { return nil }
        let digits = claim[..<equals]
        let value = String(claim[claim.index(after: equals)...])
        guard (1...4).contains(digits.utf8.count), digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let number = Int(digits),
            number >= 1, !value.isEmpty
        else { return nil }
        return (number, value)
    }
}
