import Foundation

/// A regular expression that must match a whole string, never a part of it: `example.com`
/// does not match `evil-example.com.attacker.net`.
public struct WholeStringPattern: @unchecked Sendable, CustomStringConvertible {
    /// The expression as given.
    public let source: String
    // NSRegularExpression is immutable and documented as safe to share between threads.
    let expression: NSRegularExpression

    /// The pattern `source`, an ICU regular expression.
    public init(regularExpression source: String) throws(MonitorError) {
        do {
            expression = try NSRegularExpression(pattern: "\\A(?:\(source))\\z")
        } catch {
            throw MonitorError(.policy, "\"\(source)\" is not a valid regular expression")
        }
        self.source = source
    }

    /// The pattern matching exactly `text`.
    public init(exactly text: String) {
        source = NSRegularExpression.escapedPattern(for: text)
        expression = try! NSRegularExpression(pattern: "\\A(?:\(source))\\z")
    }

    /// Whether the whole of `text` matches.
    public func matches(_ text: String) -> Bool {
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return expression.firstMatch(in: text, options: [.anchored], range: range).map { $0.range == range } ?? false
    }

    /// The expression.
    public var description: String { source }
}
