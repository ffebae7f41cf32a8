import Foundation
import Sigstore
import TUF
import TransparencyLog
import X509

/// Reads one logged entry for the monitor: what the index records about it, and whether it
/// raises a finding.
///
/// A certificate that matches the policy raises a finding only when it chains to a certificate
/// authority of the trusted root valid at the entry's time (the log's integrated time; for a
/// log that records none, the certificate's own start of validity). Anyone can log a
/// certificate from their own CA with a look-alike identity: those are counted, never raised.
struct EntryExaminer: Sendable {
    /// What one entry gave.
    struct Examination: Sendable {
        var indexed: [MonitorState.IndexedEntry] = []
        var findings: [Finding] = []
        var untrustedMatches = 0
        var unread = 0
    }

    let policy: MonitorPolicy
    let verifier: BundleVerifier
    let log: String

    init(policy: MonitorPolicy, trustedRoot: TrustedRoot, log: String) {
        self.policy = policy
        // Only the chain matters here: a certificate the trusted CA issued is the CA's word,
        // whatever its SCTs say.
        verifier = BundleVerifier(
            trustedRoot: trustedRoot,
            thresholds: .init(transparencyLogEntries: 0, timestamps: 0, signedCertificateTimestamps: 0)
        )
        self.log = log
    }

    func examine(_ entry: LoggedEntry) async -> Examination {
        var result = Examination()
        guard let content = try? LogEntryContent(body: entry.body), content.isUnderstood else {
            result.unread = 1
            return result
        }
        result.indexed = MonitorState.IndexedEntry.rows(of: entry)
        for signer in content.signers {
            switch signer {
            case .certificate(let der):
                guard let certificate = try? Certificate(derEncoded: der) else {
                    result.unread += 1
                    continue
                }
                let fulcio = FulcioCertificate(certificate)
                guard let (identity, issuer) = policy.match(fulcio, der: der) else { continue }
                if await isTrusted(certificate, at: entry.integratedTime) {
                    result.findings.append(
                        .identity(
                            log: log,
                            index: entry.logIndex,
                            identity: identity,
                            issuer: issuer,
                            serial: Hex.encode(certificate.serialNumber.bytes),
                            integratedTime: entry.integratedTime
                        )
                    )
                } else {
                    result.untrustedMatches += 1
                }
            case .publicKey(let der):
                let fingerprint = MonitorPolicy.fingerprint(der)
                if policy.matches(publicKey: der) {
                    result.findings.append(
                        .identity(
                            log: log,
                            index: entry.logIndex,
                            identity: "key \(fingerprint)",
                            issuer: "",
                            serial: "",
                            integratedTime: entry.integratedTime
                        )
                    )
                }
            }
        }
        return result
    }

    /// Whether `certificate` chains to a trusted CA at the entry's time.
    func isTrusted(_ certificate: Certificate, at integratedTime: Int64?) async -> Bool {
        let time = integratedTime.map { Date(timeIntervalSince1970: Double($0)) } ?? certificate.notValidBefore
        let source = integratedTime == nil ? "the certificate's start of validity" : "the entry's integrated time"
        return (try? await verifier.verifyCertificate(certificate, at: [(source, time)])) != nil
    }
}
