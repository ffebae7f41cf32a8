import Foundation
import Sigstore
import TUF
import TUFClient
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
    var trust = TrustedRootSource()
    var json = false
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
        guard keyDetails == nil || key != nil else { throw UsageError("--key-details names the scheme of a --key") }
        for claim in claims where Self.parseClaim(claim) == nil {
            throw UsageError("--claim must be NUMBER=VALUE with a number from 1 to 9999 and a value, not \(claim)")
        }
    }

    /// Above this size an artifact is hashed as a stream rather than read whole.
    static let streamingThreshold = 256 << 20

    /// Whether `result`'s statement has the `required` predicate type. Compared by bytes: `==`
    /// would take a canonically equivalent spelling for the required type.
    static func hasPredicateType(_ result: BundleVerifier.Result, _ required: String) -> Bool {
        result.predicateType.map { UTF8Name.sameBytes($0, required) } ?? false
    }

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
        let verifier = SignedEntityVerifier(trustedMaterial: material)
        let policy = try makePolicy()
        if let batch {
            try await runBatch(batch, verifier: verifier, policy: policy)
            return
        }
        let bundle = bundle!
        let artifact = artifact!
        let bundleValue: SigstoreBundle
        do {
            bundleValue = try SigstoreBundle(bytes: try readFile(bundle, limit: 16 << 20))
        } catch let error as VerificationError {
            report(.failed(error, VerificationError.Progress()), source: source)
            throw CLIError(message: "\(bundle): \(error)", code: .invalidData)
        }
        let artifactValue = try digest ?? Self.artifactValue(artifact, streamingHash: Self.streamingHash(bundleValue))
        do {
            let result = try await verifier.verify(bundleValue, artifact: artifactValue, policy: policy)
            if let predicateType, !Self.hasPredicateType(result, predicateType) {
                var progress = VerificationError.Progress()
                progress.checks = result.checks.filter { $0 != .envelope }
                progress.verifiedTimes = result.verifiedTimes
                let error = VerificationError(
                    .envelope,
                    "the statement's predicate type is \(result.predicateType ?? "absent"), not \(predicateType)"
                )
                report(.failed(error, progress), source: source, certificate: result.certificate)
                throw CLIError(message: "\(bundle): \(error)", code: .verificationFailed)
            }
            report(.verified(result), source: source, certificate: result.certificate)
        } catch let error as VerificationError {
            report(.failed(error, error.progress ?? VerificationError.Progress()), source: source, certificate: bundleValue.leafCertificate)
            throw CLIError(message: "\(bundle): \(error)", code: error.check == .bundle ? .invalidData : .verificationFailed)
        }
    }

    /// Verifies every line of `path` (`BUNDLE<TAB>ARTIFACT`) with one task per core; prints
    /// `ok` or `FAILED` and the reason for each, in the file's order.
    func runBatch(_ path: String, verifier: SignedEntityVerifier, policy: BundleVerifier.Policy) async throws {
        let lines = String(decoding: try readFile(path), as: UTF8.self).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        let jobs = try lines.enumerated().map { index, line -> (String, String) in
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw CLIError(message: "\(path):\(index + 1): not BUNDLE<TAB>ARTIFACT", code: .invalidData) }
            return (parts[0], parts[1])
        }
        let predicateType = self.predicateType
        var outcomes = [String?](repeating: nil, count: jobs.count)
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            var next = 0
            func enqueue() {
                guard next < jobs.count else { return }
                let index = next
                next += 1
                let (bundlePath, artifactPath) = jobs[index]
                group.addTask {
                    do {
                        let bundle = try SigstoreBundle(bytes: try readFile(bundlePath, limit: 16 << 20))
                        let result = try await verifier.verify(
                            bundle,
                            artifact: try Self.artifactValue(artifactPath, streamingHash: Self.streamingHash(bundle)),
                            policy: policy
                        )
                        if let predicateType, !Self.hasPredicateType(result, predicateType) {
                            return (
                                index, "\(VerificationError.Check.envelope.rawValue): predicate type is \(result.predicateType ?? "absent")"
                            )
                        }
                        return (index, nil)
                    } catch let error as CLIError {
                        return (index, error.message)
                    } catch {
                        return (index, "\(error)")
                    }
                }
            }
            for _ in 0..<workers { enqueue() }
            let progress = TerminalProgress()
            defer { progress.finish() }
            var done = 0
            while let (index, failure) = try await group.next() {
                outcomes[index] = failure ?? ""
                done += 1
                progress.show("verified \(done) of \(jobs.count)")
                enqueue()
            }
        }
        var failed = 0
        for ((bundlePath, _), outcome) in zip(jobs, outcomes) {
            if let outcome, !outcome.isEmpty {
                failed += 1
                print("FAILED \(bundlePath): \(outcome)")
            } else {
                print("ok \(bundlePath)")
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

    /// How a single verification ended.
    enum Outcome {
        case verified(BundleVerifier.Result)
        case failed(VerificationError, VerificationError.Progress)
    }

    /// Prints the outcome; with --json, every check as `passed`, `failed`, `not applicable` (the
    /// bundle or policy does not call for it) or `not reached` (after the failure), the verified
    /// times, and the signing certificate's identity, issuer and Fulcio claims.
    func report(_ outcome: Outcome, source: String, certificate: Certificate? = nil) {
        guard json else {
            if case .verified = outcome { print("verified: \(artifact ?? "") (trusted root: \(source))") }
            return
        }
        let passed: [VerificationError.Check]
        let failure: VerificationError?
        let times: [(source: String, time: Date)]
        switch outcome {
        case .verified(let result): (passed, failure, times) = (result.checks, nil, result.verifiedTimes)
        case .failed(let error, let progress): (passed, failure, times) = (progress.checks, error, progress.verifiedTimes)
        }
        var object = JSONObject()
        object["verified"] = .bool(failure == nil)
        object["trusted_root"] = .string(source)
        object["checks"] = .array(Self.checkStates(passed: passed, failure: failure))
        object["verified_times"] = .array(
            times.map { entry in ["source": .string(entry.source), "time": .string(MetadataDate.format(entry.time))] }
        )
        object["signer"] = certificate.map { Self.signerJSON(FulcioCertificate($0)) } ?? .null
        FileHandleOutput.standardOutput.write(JSONWriter.prettyPrinted(.object(object)))
    }

    /// Every check in the order the verifier makes them, with its state.
    static func checkStates(passed: [VerificationError.Check], failure: VerificationError?) -> [JSONValue] {
        let failedIndex = failure.flatMap { VerificationError.Check.allCases.firstIndex(of: $0.check) }
        return VerificationError.Check.allCases.enumerated().map { index, check in
            var entry = JSONObject()
            entry["check"] = .string(check.rawValue)
            if let failure, check == failure.check {
                entry["outcome"] = "failed"
                entry["reason"] = .string(failure.reason)
            } else if passed.contains(check) {
                entry["outcome"] = "passed"
            } else if let failedIndex, index > failedIndex {
                entry["outcome"] = "not reached"
            } else {
                entry["outcome"] = "not applicable"
            }
            return .object(entry)
        }
    }

    /// The signing certificate's identities (SAN), OIDC issuer and every Fulcio claim by OID.
    static func signerJSON(_ certificate: FulcioCertificate) -> JSONValue {
        var claims = JSONObject()
        for number in certificate.claimNumbers {
            if let value = certificate.claim(number) { claims["\(FulcioCertificate.arc).\(number)"] = .string(value) }
        }
        var object = JSONObject()
        object["identities"] = .array(certificate.identities.map { .string($0) })
        object["issuer"] = certificate.issuer.map { .string($0) } ?? .null
        object["claims"] = .object(claims)
        return .object(object)
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
