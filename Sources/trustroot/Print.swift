import TUF

/// Every line the command prints to standard output goes through here, so that a control
/// character in a name, identity or path from a file or a server cannot forge a line of
/// output: each is shown as an escape (``TerminalText``). Line breaks the command itself puts
/// between lines are kept.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    let text = items.map { "\($0)" }.joined(separator: separator)
    Swift.print(TerminalText.escapedLines(text), terminator: terminator)
}
