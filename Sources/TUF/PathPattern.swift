/// A delegation's target path pattern, matched the way the TUF specification and python-tuf
/// match it.
///
/// The pattern and the path are split at `/` and must have as many segments. Within a segment,
/// `*` matches any run of characters, `?` one character, and `[abc]`, `[a-z]` or `[!abc]` one
/// character of (or not of) a set; everything else matches itself, case-sensitively. So `*`
/// never crosses a `/`.
public struct PathPattern: Sendable, Hashable {
    /// The pattern as written in the metadata.
    public let pattern: String
    private let segments: [[Token]]

    private enum Token: Sendable, Hashable {
        case literal(Unicode.Scalar)
        case anyCharacter
        case anyRun
        case set(negated: Bool, ranges: [ClosedRange<UInt32>])
    }

    /// Compiles `pattern`.
    public init(_ pattern: String) {
        self.pattern = pattern
        segments = pattern.split(separator: "/", omittingEmptySubsequences: false).map {
            Self.tokens(Array(String($0).unicodeScalars))
        }
    }

    /// Whether `path` matches the pattern.
    public func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == segments.count else { return false }
        for (part, tokens) in zip(parts, segments) where !Self.match(tokens, Array(String(part).unicodeScalars)) {
            return false
        }
        return true
    }

    private static func tokens(_ scalars: [Unicode.Scalar]) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "*":
                if tokens.last != .anyRun { tokens.append(.anyRun) }
            case "?":
                tokens.append(.anyCharacter)
            case "[":
                if let (set, next) = parseSet(scalars, from: index) {
                    tokens.append(set)
                    index = next
                } else {
                    tokens.append(.literal(scalar))
                }
            default:
                tokens.append(.literal(scalar))
            }
        }
        return tokens
    }

    /// Reads a set starting after `[`; `nil` when no `]` closes it (the `[` is then literal).
    private static func parseSet(_ scalars: [Unicode.Scalar], from start: Int) -> (Token, Int)? {
        var index = start
        var negated = false
        if index < scalars.count && scalars[index] == "!" {
            negated = true
            index += 1
        }
        let firstMember = index
        // A `]` right after `[` or `[!` is a member, not the end.
        if index < scalars.count && scalars[index] == "]" { index += 1 }
        while index < scalars.count && scalars[index] != "]" { index += 1 }
        guard index < scalars.count else { return nil }
        let members = Array(scalars[firstMember..<index])
        var ranges: [ClosedRange<UInt32>] = []
        var position = 0
        while position < members.count {
            if position + 2 < members.count && members[position + 1] == "-" {
                let low = members[position].value
                let high = members[position + 2].value
                if low <= high { ranges.append(low...high) }
                position += 3
            } else {
                ranges.append(members[position].value...members[position].value)
                position += 1
            }
        }
        return (.set(negated: negated, ranges: ranges), index + 1)
    }

    /// Glob matching with single-star backtracking: linear in practice, O(n·m) at worst.
    private static func match(_ tokens: [Token], _ text: [Unicode.Scalar]) -> Bool {
        var tokenIndex = 0
        var textIndex = 0
        var starToken = -1
        var starText = 0
        while textIndex < text.count {
            if tokenIndex < tokens.count, matchesOne(tokens[tokenIndex], text[textIndex]) {
                tokenIndex += 1
                textIndex += 1
            } else if tokenIndex < tokens.count, tokens[tokenIndex] == .anyRun {
                starToken = tokenIndex
                starText = textIndex
                tokenIndex += 1
            } else if starToken >= 0 {
                tokenIndex = starToken + 1
                starText += 1
                textIndex = starText
            } else {
                return false
            }
        }
        while tokenIndex < tokens.count && tokens[tokenIndex] == .anyRun { tokenIndex += 1 }
        return tokenIndex == tokens.count
    }

    private static func matchesOne(_ token: Token, _ scalar: Unicode.Scalar) -> Bool {
        switch token {
        case .literal(let expected): return expected == scalar
        case .anyCharacter: return true
        case .anyRun: return false
        case .set(let negated, let ranges): return ranges.contains { $0.contains(scalar.value) } != negated
        }
    }
}
