import Foundation
import TUF

/// How findings are written: one line each for people, one JSON object per line for programs,
/// and a Markdown report a CI job can post as an issue.
public enum FindingFormat {
    /// One line, control characters escaped.
    public static func line(_ finding: Finding) -> String {
        switch finding.kind {
        case .identity:
            var line = "identity \(finding.identity) (issuer \(finding.issuer.isEmpty ? "none" : finding.issuer))"
            line += " in \(finding.log) entry \(finding.logIndex ?? -1)"
            if !finding.serial.isEmpty { line += ", certificate serial \(finding.serial)" }
            if let time = finding.integratedTime {
                line += ", integrated \(MetadataDate.format(Date(timeIntervalSince1970: Double(time))))"
            }
            return TerminalText.escaped(line)
        case .inconsistency:
            return TerminalText.escaped("inconsistency in \(finding.log): \(finding.detail.split(separator: "\n").first ?? "")")
        }
    }

    /// One JSON object, on one line.
    public static func json(_ finding: Finding) -> String {
        var object = JSONObject()
        object["kind"] = .string(finding.kind.rawValue)
        object["log"] = .string(finding.log)
        switch finding.kind {
        case .identity:
            object["log_index"] = finding.logIndex.map(JSONValue.integer) ?? .null
            object["identity"] = .string(finding.identity)
            object["issuer"] = .string(finding.issuer)
            object["serial"] = .string(finding.serial)
            object["integrated_time"] = finding.integratedTime.map(JSONValue.integer) ?? .null
        case .inconsistency:
            object["detail"] = .string(finding.detail)
        }
        // Every value here is a string or an integer below 2^53, which RFC 8785 always writes.
        return String(decoding: (try? RFC8785.encode(.object(object))) ?? [], as: UTF8.self)
    }

    /// A Markdown report of one run.
    public static func markdown(_ summary: LogMonitor.Summary, log: String, untrustedTotal: Int) -> String {
        var text = "# TrustRoot log monitor: \(escape(log))\n\n"
        text += "Checkpoint: `\(escape(summary.checkpoint.origin))`, size \(summary.checkpoint.treeSize). "
        text += "Entries scanned this run: \(summary.scannedFrom) to \(summary.scannedTo).\n\n"
        let identities = summary.findings.filter { $0.kind == .identity }
        let inconsistencies = summary.findings.filter { $0.kind == .inconsistency }
        if summary.findings.isEmpty { text += "No findings.\n" }
        for finding in inconsistencies {
            text += "## The log is inconsistent\n\n```\n\(finding.detail.replacingOccurrences(of: "```", with: "'''"))\n```\n\n"
        }
        if !identities.isEmpty {
            text +=
                "## Certificates issued to watched identities\n\n| Entry | Identity | Issuer | Serial | Integrated time |\n|---|---|---|---|---|\n"
            for finding in identities {
                let time = finding.integratedTime.map { MetadataDate.format(Date(timeIntervalSince1970: Double($0))) } ?? "not recorded"
                text +=
                    "| \(finding.logIndex ?? -1) | \(escape(finding.identity)) | \(escape(finding.issuer)) | \(finding.serial) | \(time) |\n"
            }
            text += "\n"
        }
        if untrustedTotal > 0 {
            text += "Matching certificates from CAs outside the trusted root (not findings): \(untrustedTotal) so far.\n"
        }
        return text
    }

    /// Text safe in a Markdown table cell: control characters escaped, pipes and backticks too.
    static func escape(_ text: String) -> String {
        TerminalText.escaped(text).replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "`", with: "\\`")
    }
}
