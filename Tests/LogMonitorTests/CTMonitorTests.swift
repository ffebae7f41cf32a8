import Crypto
import Foundation
import NetworkTransport
import Plumbing
import Sigstore
import SwiftASN1
import TUF
import TestSupport
import Testing
import TransparencyLog
import X509

@testable import LogMonitor

/// The monitor over an RFC 6962 CT log (Fulcio's, as the loopback stand-in serves it): watched
/// identities in certificates and precertificates the trusted CA issued are findings, look-alikes
/// from another CA are counted, a precertificate that is not the covered TBSCertificate is not
/// read, and a rewritten log is an inconsistency.
@Suite("Log monitor over a CT log")
struct CTMonitorTests {
    static let watched = "https://github.com/example/project/.github/workflows/release.yml@refs/heads/main"
    static let poison = Certificate.Extension(oid: [1, 3, 6, 1, 4, 1, 11129, 2, 4, 3], critical: true, value: [0x05, 0x00])

    /// A certificate for `identity`, and the precertificate its CA signed before it: the same
    /// fields and extensions, plus the poison.
    static func precertificate(of certificate: Certificate, signedBy key: P384.Signing.PrivateKey) throws -> Certificate {
        try Certificate(
            version: .v3,
            serialNumber: certificate.serialNumber,
            publicKey: certificate.publicKey,
            notValidBefore: certificate.notValidBefore,
            notValidAfter: certificate.notValidAfter,
            issuer: certificate.issuer,
            subject: certificate.subject,
            signatureAlgorithm: .ecdsaWithSHA384,
            extensions: Certificate.Extensions(Array(certificate.extensions) + [poison]),
            issuerPrivateKey: .init(key)
        )
    }

    @Test func findsWatchedIdentitiesInCertificatesAndPrecertificates() async throws {
        let instance = try TestInstance()
        let log = try TestCTLog()
        log.pageSize = 7
        let outsider = P384.Signing.PrivateKey()
        let key = P256.Signing.PrivateKey()
        let time = instance.epoch
        for index in 0..<40 {
            let identity = [3, 7, 9, 11].contains(index) ? Self.watched : "https://example.com/other/\(index)"
            let certificate = try instance.issue(to: .init(key.publicKey), identity: identity, at: time.addingTimeInterval(-1))
            let logged = time.addingTimeInterval(Double(index))
            switch index {
            case 3, 20: log.addCertificate(TestInstance.der(certificate), at: logged)
            case 9:
                let lookAlike = try Self.precertificate(of: certificate, signedBy: outsider)
                log.addPrecertificate(
                    tbs: Array(certificate.tbsCertificateBytes),
                    issuerKeyHash: Array(repeating: 1, count: 32),
                    precertificate: TestInstance.der(lookAlike),
                    at: logged
                )
            case 11:
                // The precertificate beside the tree is another certificate's.
                let other = try instance.issue(to: .init(key.publicKey), identity: Self.watched, at: time.addingTimeInterval(-1))
                log.addPrecertificate(
                    tbs: Array(certificate.tbsCertificateBytes),
                    issuerKeyHash: Array(repeating: 1, count: 32),
                    precertificate: TestInstance.der(try Self.precertificate(of: other, signedBy: instance.intermediateKey)),
                    at: logged
                )
            default:
                log.addPrecertificate(
                    tbs: Array(certificate.tbsCertificateBytes),
                    issuerKeyHash: Array(repeating: 1, count: 32),
                    precertificate: TestInstance.der(try Self.precertificate(of: certificate, signedBy: instance.intermediateKey)),
                    at: logged
                )
            }
        }
        let trustedRoot = try TrustedRoot(bytes: instance.trustedRoot())
        let stateFolder = try TemporaryDirectory()
        let verifier = try CTTreeHeadVerifier(
            origin: CTLog.origin(of: log.baseURL),
            derPublicKey: Array(log.key.publicKey.derRepresentation)
        )
        let source = CTLog(
            baseURL: log.baseURL,
            key: verifier,
            transport: HTTPClientTransport(idleTimeout: 10, transferTimeout: 30, environment: [:])
        )
        let monitor = LogMonitor(
            url: log.baseURL.absoluteString,
            log: source,
            policy: MonitorPolicy(identities: [.init(subject: WholeStringPattern(exactly: Self.watched))]),
            trustedRoot: trustedRoot,
            state: try MonitorState(folder: stateFolder.path)
        )

        var reported: [Finding] = []
        let summary = try await monitor.runOnce(fromIndex: 0) { reported.append($0) }
        #expect(summary.scannedTo == 40)
        #expect(reported.map(\.logIndex) == [3, 7])
        #expect(reported.allSatisfy { $0.issuer == TestInstance.issuerURL })
        #expect(reported.map(\.integratedTime) == [Int64(time.timeIntervalSince1970) + 3, Int64(time.timeIntervalSince1970) + 7])
        #expect(summary.untrustedMatches == 1)
        #expect(summary.unreadEntries == 1)
        let state = try MonitorState(folder: stateFolder.path)
        #expect(try state.search(log: log.baseURL.absoluteString, identity: Self.watched).map(\.logIndex) == [3, 7, 9])

        log.addCertificate(Array("not a certificate".utf8), at: Date())
        log.fault = .rewritten
        reported = []
        _ = try await monitor.runOnce { reported.append($0) }
        #expect(reported.map(\.kind) == [.inconsistency])
    }
}
