import ArgumentParser
import Foundation
import LogMonitor
import Plumbing
import TUF
import TransparencyLog

/// `trustroot monitor`: watch a transparency log for certificates issued to your identities,
/// and for the log forking or rolling back.
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Watch a transparency log for certificates issued to your identities, and for forks and rollbacks.",
        discussion: """
            Each run verifies the log's checkpoint, proves it extends the one kept in --state, scans every entry since the \
            last run, and reports certificates for the watched identities that a certificate authority of the trusted \
            root issued. Matches in certificates from other CAs are counted, never reported. Exit status: 0 no findings, \
            1 findings or an inconsistent log, 65 malformed log data, 69 log unreachable.
            """
    )

    @OptionGroup var log: LogOptions

    @Option(help: "The state folder: last verified checkpoint, scan position, findings and the entry index (SQLite).")
    var state: String

    @Flag(help: "Run once and exit (otherwise run every --interval).")
    var once = false

    @Option(help: "In follow mode, the time between runs: seconds, or with s, m or h (default 1h).")
    var interval: String = "1h"

    @Option(help: "On a fresh state, the first entry to scan (default: the log's current size).")
    var fromIndex: Int64?

    @Option(help: "An identity (certificate SAN) to watch for, exactly.")
    var identity: [String] = []

    @Option(help: "A regular expression an identity to watch for matches, whole.")
    var identityRegexp: [String] = []

    @Option(help: "The OIDC issuer the --identity certificates must come from, exactly (default: any).")
    var issuer: String?

    @Option(help: "A rekor-monitor configuration (monitoredValues), written as JSON.")
    var config: String?

    @Flag(help: "Print each finding as one JSON object per line.")
    var json = false

    @Option(help: "Write a Markdown report of each run here, for a CI job to post as an issue.")
    var report: String?

    func run() async throws {
        let policy = try makePolicy()
        let (source, trustedRoot) = try await log.log()
        let monitorState: MonitorState
        do {
            monitorState = try MonitorState(folder: state)
        } catch {
            throw CLIError(error)
        }
        let monitor = LogMonitor(url: log.stateKey, log: source, policy: policy, trustedRoot: trustedRoot, state: monitorState)
        let pause = try Self.seconds(interval)
        while true {
            let found = try await runOnce(monitor)
            if once {
                if found { throw ExitCode(1) }
                return
            }
            try? await Task.sleep(nanoseconds: UInt64(pause * 1_000_000_000))
        }
    }

    /// One run: findings to standard output as they are recorded, a summary to standard error,
    /// and the report file. True when anything was found.
    func runOnce(_ monitor: LogMonitor) async throws -> Bool {
        let summary: LogMonitor.Summary
        do {
            summary = try await monitor.runOnce(fromIndex: fromIndex) { finding in
                FileHandleOutput.standardOutput.write((json ? FindingFormat.json(finding) : FindingFormat.line(finding)) + "\n")
            }
        } catch {
            if !once, case .log(.unreachable) = error.kind {
                FileHandleOutput.standardError.write("trustroot: \(error) (trying again at the next interval)\n")
                return false
            }
            throw CLIError(error)
        }
        let untrusted = (try? monitor.state.tally(log: monitor.url).untrustedMatches) ?? summary.untrustedMatches
        if let report {
            let text = FindingFormat.markdown(summary, log: monitor.url, untrustedTotal: untrusted)
            do {
                try AtomicFile.write(Array(text.utf8), to: URL(fileURLWithPath: report))
            } catch {
                throw CLIError(message: error.description, code: .ioError)
            }
        }
        var line =
            "\(summary.checkpoint.origin): size \(summary.checkpoint.treeSize), scanned \(summary.scannedFrom)..<\(summary.scannedTo)"
        line += ", \(summary.findings.count) finding(s)"
        if summary.untrustedMatches > 0 {
            line += ", \(summary.untrustedMatches) match(es) in certificates from CAs outside the trusted root"
        }
        if summary.unreadEntries > 0 { line += ", \(summary.unreadEntries) entr(ies) of kinds not read" }
        FileHandleOutput.standardError.write(line + "\n")
        return !summary.findings.isEmpty
    }

    /// The policy the flags and the configuration file give; at least one thing to watch for
    /// unless only consistency is wanted.
    func makePolicy() throws -> MonitorPolicy {
        var policy = MonitorPolicy()
        if let config {
            do {
                policy = try MonitorPolicy(configuration: try readFile(config, limit: 1 << 20))
            } catch let error as MonitorError {
                throw CLIError(message: "\(config): \(error)", code: .invalidData)
            }
        }
        let issuers = issuer.map { [WholeStringPattern(exactly: $0)] } ?? []
        for exact in identity {
            policy.identities.append(.init(subject: WholeStringPattern(exactly: exact), issuers: issuers))
        }
        for expression in identityRegexp {
            do {
                policy.identities.append(.init(subject: try WholeStringPattern(regularExpression: expression), issuers: issuers))
            } catch {
                throw CLIError(message: "--identity-regexp: \(error)", code: .usage)
            }
        }
        if issuer != nil && identity.isEmpty && identityRegexp.isEmpty {
            throw CLIError(message: "--issuer needs an --identity or --identity-regexp to go with", code: .usage)
        }
        return policy
    }

    /// `text` as seconds: a number, or one with an s, m or h suffix.
    static func seconds(_ text: String) throws -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        let (number, unit) = text.last.flatMap { units[$0] }.map { (text.dropLast(), $0) } ?? (Substring(text), 1)
        guard let value = Double(number), value * unit >= 1, value * unit <= 7 * 86_400 else {
            throw CLIError(message: "--interval \(text) is not a time between 1s and 7 days (like 30s, 15m, 1h)", code: .usage)
        }
        return value * unit
    }
}
