import Foundation
import TUF

#if canImport(Glibc)
    import Glibc
#endif

/// Asks a person at the terminal to confirm a step. Only when both standard input and standard
/// output are a terminal: a script is never stopped by a question it cannot see.
enum TerminalPrompt {
    /// Whether someone is at a terminal to ask.
    static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 }

    /// Shows `question` with `[y/N]` on the terminal and reads the answer there; true only for
    /// y or yes.
    static func confirm(_ question: String) throws(CLIError) -> Bool {
        let terminal = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard terminal >= 0 else { throw CLIError(message: "no terminal to ask on; pass --yes to go ahead", code: .usage) }
        defer { close(terminal) }
        let prompt = TerminalText.escaped(question) + " [y/N] "
        _ = prompt.withCString { Glibc.write(terminal, $0, strlen($0)) }
        var answer: [UInt8] = []
        var byte: UInt8 = 0
        while Glibc.read(terminal, &byte, 1) == 1, byte != UInt8(ascii: "\n"), answer.count < 64 { answer.append(byte) }
        let text = String(decoding: answer, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return text == "y" || text == "yes"
    }
}
