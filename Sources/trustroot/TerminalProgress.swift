import Foundation
import TUF

#if canImport(Glibc)
    import Glibc
#endif

/// A progress line on standard error, redrawn in place, for a person watching a long step.
/// Only when standard error is a terminal: piped or logged output gets nothing extra.
final class TerminalProgress: @unchecked Sendable {
    /// Whether standard error is a terminal.
    static let isEnabled = isatty(STDERR_FILENO) == 1

    private let lock = NSLock()
    private var lastDrawn = Date.distantPast
    private var drawn = false

    /// Shows `text` in place of the previous line, at most ten times a second unless `force`.
    func show(_ text: String, force: Bool = false) {
        guard Self.isEnabled else { return }
        lock.withLock {
            let now = Date()
            guard force || now.timeIntervalSince(lastDrawn) >= 0.1 else { return }
            lastDrawn = now
            drawn = true
            FileHandle.standardError.write(Data(("\r" + TerminalText.escaped(text) + "\u{1B}[K").utf8))
        }
    }

    /// Clears the line, so that what follows starts on a clean one.
    /// Shows how much of `name` has arrived.
    func downloading(_ name: String, _ received: Int, _ total: Int) {
        show("downloading \(name): \(Self.bytes(received)) of \(Self.bytes(total))")
    }

    func finish() {
        guard Self.isEnabled else { return }
        lock.withLock {
            if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            drawn = false
        }
    }

    /// `count` bytes as a person reads them.
    static func bytes(_ count: Int) -> String {
        count < 1 << 20 ? "\(count / 1024) KiB" : String(format: "%.1f MiB", Double(count) / Double(1 << 20))
    }
}
