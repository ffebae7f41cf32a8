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
        // A CT leaf starts with its version, 0; a Rekor entry is JSON.
        if entry.body.first == 0 { return await examineCT(entry) }
        var result = Examination()
        guard let content = try? LogEntryContent(body: entry.body), content.isUnderstood else {
            result.unread = 1
            return result
        }
        // The index rows are made from what is parsed here, not by `IndexedEntry.rows(of:)`, which
        // would parse the entry and its certificates again.
        let digest = content.digest.map { Hex.encode($0.value) }
        for signer in content.signers {
            switch signer {
            case .certificate(let der):
                guard let certificate = try? Certificate(derEncoded: der) else {
                    result.unread += 1
                    continue
                }
                let fulcio = FulcioCertificate(certificate)
                result.indexed.append(MonitorState.IndexedEntry(logIndex: entry.logIndex, fulcio: fulcio, der: der, digest: digest))
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
                let row = MonitorState.IndexedEntry(logIndex: entry.logIndex, fulcio: nil, der: der, digest: digest)
                result.indexed.append(row)
                let fingerprint = row.fingerprint
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

    /// Reads a CT log entry: the identities of the certificate or precertificate the tree
    /// covers, raised when the certificate the CA signed chains to a trusted CA at the entry's
    /// timestamp.
    func examineCT(_ entry: LoggedEntry) async -> Examination {
        var result = Examination()
        guard let logged = CTEntryCertificate(entry) else {
            result.unread = 1
            return result
        }
        let fulcio = FulcioCertificate(logged.covered)
        result.indexed = [MonitorState.IndexedEntry(logIndex: entry.logIndex, fulcio: fulcio, der: logged.issuedDER, digest: nil)]
        guard let (identity, issuer) = policy.match(fulcio, der: logged.issuedDER) else { return result }
        let trusted: Bool
        if logged.isPrecertificate {
            let time = entry.integratedTime.map { Date(timeIntervalSince1970: Double($0)) } ?? logged.issued.notValidBefore
            trusted = (try? await verifier.verifyPrecertificate(logged.issued, at: time, source: "the CT entry's timestamp")) != nil
        } else {
            trusted = await isTrusted(logged.issued, at: entry.integratedTime)
        }
        guard trusted else {
            result.untrustedMatches = 1
            return result
        }
        result.findings.append(
            .identity(
                log: log,
                index: entry.logIndex,
                identity: identity,
                issuer: issuer,
                serial: Hex.encode(logged.issued.serialNumber.bytes),
                integratedTime: entry.integratedTime
            )
        )
        return result
    }

    /// Whether `certificate` chains to a trusted CA at the entry's time.
    func isTrusted(_ certificate: Certificate, at integratedTime: Int64?) async -> Bool {
        let time = integratedTime.map { Date(timeIntervalSince1970: Double($0)) } ?? certificate.notValidBefore
        let source = integratedTime == nil ? "the certificate's start of validity" : "the entry's integrated time"
        return (try? await verifier.verifyCertificate(certificate, at: [(source, time)])) != nil
    }
}
