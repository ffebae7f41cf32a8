import Foundation
import LogMonitor
import NetworkTransport
import Plumbing
import Sigstore
import TUF
import TransparencyLog

// monitor-log TRUSTED_ROOT LOG_URL STATE IDENTITY ISSUER: check the tiled log's new entries (from
// index 0 on the first run, then from where the last run stopped) for certificates the trusted
// root's CAs issued to IDENTITY on ISSUER's token. Exit 3 when any is found.
let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 5, let logURL = URL(string: arguments[1]) else { exit(64) }

do {
    let trustedRoot = try TrustedRoot(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: arguments[0]))))
    let log = TiledLog(
        client: TiledLogClient(prefix: logURL, fetcher: HTTPClientTransport()),
        keys: trustedRoot.transparencyLogs.map(TrustedLogKey.init)
    )
    let watched = MonitorPolicy.CertificateIdentity(
        subject: WholeStringPattern(exactly: arguments[3]),
        issuers: [WholeStringPattern(exactly: arguments[4])]
    )
    let monitor = LogMonitor(
        url: arguments[1],
        log: log,
        policy: MonitorPolicy(identities: [watched]),
        trustedRoot: trustedRoot,
        // The checkpoint each run proved the log consistent with, and what it found.
        state: try MonitorState(folder: arguments[2])
    )
    let summary = try await monitor.runOnce(fromIndex: 0) { finding in
        switch finding.kind {
        case .identity: print("found: \(finding.identity) at index \(finding.logIndex ?? -1), serial \(finding.serial)")
        // The log's own words, escaped: a hostile log must not write to the terminal.
        case .inconsistency: print("inconsistency: \(TerminalText.escaped(finding.detail))")
        }
    }
    print("checked entries \(summary.scannedFrom) to \(summary.scannedTo) of \(summary.checkpoint.treeSize)")
    exit(summary.findings.isEmpty ? 0 : 3)
} catch {
    print("refused: \(error)")
    exit(1)
}
