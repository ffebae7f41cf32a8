import TUF

/// A small deterministic random generator (SplitMix64), so generated documents are the same on
/// every run and a failure can be reproduced from its index.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Generates JSON documents that stress canonical encoding: control characters, escapes,
/// non-ASCII and astral text, Unicode-equivalent member names side by side, 64-bit extremes
/// and deep nesting.
struct DocumentGenerator {
    var random: SeededGenerator

    static let interestingStrings: [String] = [
        "", "\"", "\\", "\\\"", "\u{0}", "\u{1}\u{1F}", "\n\r\t\u{8}\u{C}", "\u{7F}", "é", "e\u{301}",
        "K", "\u{212A}", "Å", "\u{212B}", "A\u{30A}", "日本語", "😀", "\u{10FFFF}", "\u{FFFF}", "\u{FB33}",
        "a/b", "</script>", "\u{2028}\u{2029}", "x-tuf-on-ci-keyowner",
    ]

    static let interestingIntegers: [Int64] = [
        0, 1, -1, 9, 10, 127, 128, 255, 256, Int64(Int32.max), Int64(Int32.min), 1 << 53, (1 << 53) + 1,
        -(1 << 53) - 1, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1,
    ]

    mutating func string() -> String {
        if Int.random(in: 0..<3, using: &random) == 0 {
            return Self.interestingStrings.randomElement(using: &random)!
        }
        let length = Int.random(in: 0..<12, using: &random)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length {
            let pick = Int.random(in: 0..<10, using: &random)
            let value: UInt32
            switch pick {
            case 0: value = UInt32.random(in: 0..<0x20, using: &random)
            case 1: value = UInt32.random(in: 0x80..<0x800, using: &random)
            case 2: value = UInt32.random(in: 0x800..<0xD800, using: &random)
            case 3: value = UInt32.random(in: 0xE000..<0x10000, using: &random)
            case 4: value = UInt32.random(in: 0x10000..<0x110000, using: &random)
            case 5: value = [0x22, 0x5C, 0x2F, 0x7F].randomElement(using: &random)!
            default: value = UInt32.random(in: 0x20..<0x7F, using: &random)
            }
            scalars.append(Unicode.Scalar(value)!)
        }
        return String(scalars)
    }

    mutating func integer() -> Int64 {
        if Bool.random(using: &random) { return Self.interestingIntegers.randomElement(using: &random)! }
        return Int64.random(in: Int64.min...Int64.max, using: &random) >> Int64.random(in: 0..<63, using: &random)
    }

    mutating func value(depth: Int) -> JSONValue {
        let leafOnly = depth <= 0
        switch Int.random(in: 0..<(leafOnly ? 5 : 8), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2, 3: return .integer(integer())
        case 4: return .string(string())
        case 5: return .array((0..<Int.random(in: 0..<5, using: &random)).map { _ in value(depth: depth - 1) })
        default: return .object(object(depth: depth - 1))
        }
    }

    mutating func object(depth: Int) -> JSONObject {
        var object = JSONObject()
        for _ in 0..<Int.random(in: 0..<6, using: &random) {
            object[string()] = value(depth: depth)
        }
        if Int.random(in: 0..<4, using: &random) == 0 {
            // Names Swift considers equal but TUF keeps apart.
            let pair = [("é", "e\u{301}"), ("K", "\u{212A}"), ("Å", "\u{212B}")].randomElement(using: &random)!
            object[pair.0] = value(depth: 0)
            object[pair.1] = value(depth: 0)
        }
        return object
    }

    /// Arrays and objects nested `depth` levels around a leaf.
    mutating func nested(depth: Int) -> JSONValue {
        var result: JSONValue = .string(string())
        for level in 0..<depth {
            result = level % 2 == 0 ? .array([result, .integer(integer())]) : ["k\(level)": result, "é": .null]
        }
        return result
    }

    /// The document with index `index`: most are random trees, every tenth a deep nest.
    mutating func document(_ index: Int) -> JSONValue {
        if index % 10 == 9 { return nested(depth: 40 + index % 80) }
        return .object(object(depth: 1 + index % 5))
    }
}
