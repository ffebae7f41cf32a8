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
        guard let answer = PassphraseReader.readTerminalLine(TerminalText.escaped(question) + " [y/N] ", echo: true, limit: 64) else {
            throw CLIError(message: "no terminal to ask on; pass --yes to go ahead", code: .usage)
        }
        let text = String(decoding: answer, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return text == "y" || text == "yes"
    }
}
