import Foundation
import TUF

#if canImport(Glibc)
    import Glibc
#endif

/// Reads passphrases and PINs: from an environment variable when one is set (for automation),
/// else from the terminal with echo off. Never from standard input, which may be a pipe holding
/// other data, and never echoed or logged.
enum PassphraseReader {
    /// The secret in `variable`, or one typed at the terminal after `prompt`. With `confirm`, it
    /// is asked twice and must match.
    static func read(prompt: String, environmentVariable variable: String, confirm: Bool = false) throws(CLIError) -> [UInt8] {
        if let value = ProcessInfo.processInfo.environment[variable] {
            guard !value.isEmpty else {
                throw CLIError(message: "$\(variable) is empty: an empty passphrase or PIN is not accepted", code: .invalidData)
            }
            return Array(value.utf8)
        }
        var first = try readFromTerminal(prompt)
        guard !first.isEmpty else { throw CLIError(message: "an empty passphrase or PIN is not accepted", code: .invalidData) }
        if confirm {
            var second = try readFromTerminal("Repeat to confirm: ")
            defer { SecretMemory.wipe(&second) }
            guard first == second else {
                SecretMemory.wipe(&first)
                throw CLIError(message: "the two entries differ", code: .invalidData)
            }
        }
        return first
    }

    private static func readFromTerminal(_ prompt: String) throws(CLIError) -> [UInt8] {
        guard let secret = readTerminalLine(prompt, echo: false, limit: 4_096) else {
            throw CLIError(message: "no terminal to ask for the secret on; set the environment variable instead", code: .invalidData)
        }
        return secret
    }

    /// One line typed at the controlling terminal after `prompt` (at most `limit` bytes, without
    /// the line break), with echo off unless `echo`; nil when there is no terminal. Read from
    /// /dev/tty, never standard input, which may be a pipe holding other data.
    static func readTerminalLine(_ prompt: String, echo: Bool, limit: Int) -> [UInt8]? {
        let terminal = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard terminal >= 0 else { return nil }
        defer { close(terminal) }
        _ = prompt.withCString { Glibc.write(terminal, $0, strlen($0)) }
        var saved = termios()
        let hidesInput = !echo && tcgetattr(terminal, &saved) == 0
        if hidesInput {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(terminal, TCSAFLUSH, &silent)
        }
        defer {
            if hidesInput { tcsetattr(terminal, TCSAFLUSH, &saved) }
            // The line break the person typed was not shown.
            if !echo { _ = Glibc.write(terminal, "\n", 1) }
        }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while Glibc.read(terminal, &byte, 1) == 1, byte != UInt8(ascii: "\n"), line.count < limit {
            line.append(byte)
        }
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return line
    }
}
