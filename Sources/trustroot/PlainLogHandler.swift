import Foundation
import Logging
import TUF

/// Writes log messages to standard error as `trustroot: warning: …`, one line each, without the
/// timestamps and labels of swift-log's default handler: the CLI's messages are read by people.
struct PlainLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let prefix = event.level >= .warning ? "\(event.level): " : ""
        FileHandle.standardError.write(Data("trustroot: \(prefix)\(TerminalText.escaped("\(event.message)"))\n".utf8))
    }
}
