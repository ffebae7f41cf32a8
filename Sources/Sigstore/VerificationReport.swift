import Foundation
import TUF
import X509

/// How one verification ended, in the form a person or a program reads: every check with its
/// state, the verified times, and who signed.
public struct VerificationReport: Sendable {
    /// How the verification ended.
    public enum Outcome: Sendable {
        /// Every check passed.
        case verified(BundleVerifier.Result)
        /// A check failed, after those in the progress had passed.
        case failed(VerificationError, VerificationError.Progress)
        /// The bundle or artifact could not be read, so no check ran.
        case unreadable(String)
    }

    /// How it ended.
    public var outcome: Outcome
    /// The signing certificate, when the bundle had one.
    public var certificate: Certificate?

    /// A report of `outcome` for a bundle signed under `certificate`.
    public init(_ outcome: Outcome, certificate: Certificate?) {
        self.outcome = outcome
        self.certificate = certificate
    }

    /// Whether every check passed.
    public var isVerified: Bool {
        if case .verified = outcome { return true }
        return false
    }

    /// Why it failed, as one line (`check: reason`); nil when it verified.
    public var failure: String? {
        switch outcome {
        case .verified: return nil
        case .failed(let error, _): return error.description
        case .unreadable(let reason): return reason
        }
    }

    /// The report as JSON: `verified`, `trusted_root` (`source`), every check in the order the
    /// verifier makes them as `passed`, `failed` (with its reason), `not applicable` (the bundle
    /// or policy does not call for it) or `not reached` (after the failure), the verified
    /// times, and the signer's identities, issuer and Fulcio claims.
    public func json(trustedRoot source: String) -> JSONValue {
        let passed: [VerificationError.Check]
        let failure: VerificationError?
        let times: [(source: String, time: Date)]
        switch outcome {
        case .verified(let result): (passed, failure, times) = (result.checks, nil, result.verifiedTimes)
        case .failed(let error, let progress): (passed, failure, times) = (progress.checks, error, progress.verifiedTimes)
        case .unreadable(let reason): (passed, failure, times) = ([], VerificationError(.bundle, reason), [])
        }
        var object = JSONObject()
        object["verified"] = .bool(failure == nil)
        object["trusted_root"] = .string(source)
        object["checks"] = .array(Self.checkStates(passed: passed, failure: failure))
        object["verified_times"] = .array(
            times.map { entry in ["source": .string(entry.source), "time": .string(MetadataDate.format(entry.time))] }
        )
        object["signer"] = certificate.map { Self.signerJSON(FulcioCertificate($0)) } ?? .null
        return .object(object)
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
}
