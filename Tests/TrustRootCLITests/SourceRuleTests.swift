import Foundation
import Testing

/// Rules the sources keep because a release build breaks them where a debug build does not,
/// so only the release-built binary these suites run could show the fault, and only by chance.
@Suite("Source rules")
struct SourceRuleTests {
    /// Swift 6.3.1's optimizer miscompiles a tuple literal with a `try await` element inside
    /// `do`/`catch` when the tuple is returned indirectly (a generic result, or a task-group
    /// child's): the elements stored before the suspension come back as another call's values,
    /// or as freed memory. A task group then pairs one file's result with another's index.
    /// Awaiting into a `let` first, then building the tuple, is compiled correctly.
    ///
    /// The rule refuses any `await` in a tuple literal, a little wider than the fault, so that
    /// no variant of it is missed. Everything built with optimization is read: the library and
    /// tool, the articles' examples and the fuzz targets.
    @Test func noTupleLiteralHoldsAnAwait() throws {
        var offences: [String] = []
        let folders = ["Sources", "Examples", "Fuzz/Sources"].map { PlaybookTests.source.appendingPathComponent($0) }
        for file in try folders.flatMap(Self.swiftFiles(under:)) {
            let text = try String(contentsOf: file, encoding: .utf8)
            let name = file.path.replacingOccurrences(of: PlaybookTests.source.path + "/", with: "")
            offences += Self.tupleLiteralsHoldingAwait(in: text).map { "\(name):\($0)" }
        }
        #expect(offences.isEmpty, "tuple literals holding an await: \(offences.joined(separator: ", "))")
    }

    @Test func theRuleFindsTheShapesThatWereMiscompiled() {
        let flagged = """
            group.addTask {
                do throws(ProviderError) {
                    return (index, .success(try await fetch(file.name)))
                } catch {
                    return (index, .failure(error))
                }
            }
            group.addTask { (index, await verify(referrers[index])) }
            let pair = (
                first,
                try await second()
            )
            """
        #expect(Self.tupleLiteralsHoldingAwait(in: flagged) == [3, 8, 9])
        let allowed = """
            let bytes = try await fetch(name)  // (a, await b) in a comment
            return (index, .success(bytes))
            let text = "(a, await b)"
            try await call(first, await second())
            guard let (value, path) = try await lookup(name) else { return nil }
            """
        #expect(Self.tupleLiteralsHoldingAwait(in: allowed) == [])
    }

    /// Keywords a parenthesised expression can follow, so that the parentheses are no call.
    static let keywordsBeforeAnExpression: Set<String> = ["return", "in", "try", "await", "throw", "case", "where", "yield"]

    /// The Swift files under `folder`, links not followed.
    static func swiftFiles(under folder: URL) throws -> [URL] {
        let files = FileManager.default
        guard let walk = files.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey], options: .skipsHiddenFiles) else {
            return []
        }
        var found: [URL] = []
        for case let url as URL in walk where url.pathExtension == "swift" {
            if try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true { found.append(url) }
        }
        return found.sorted { $0.path < $1.path }
    }

    /// The lines on which a tuple literal (a parenthesised list not called as arguments) that
    /// holds `await` opens. Comments and string literals are skipped.
    static func tupleLiteralsHoldingAwait(in text: String) -> [Int] {
        struct Group {
            let line: Int
            let isTuple: Bool
            var hasComma = false
            var hasAwait = false
        }
        let characters = Array(text.unicodeScalars)
        var groups: [Group] = []
        var flagged: [Int] = []
        var line = 1
        var lastSignificant: Unicode.Scalar = "\n"
        var lastWord = ""
        var index = 0
        func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < characters.count ? characters[index + offset] : nil
        }
        while index < characters.count {
            let character = characters[index]
            if character == "\n" { line += 1 }
            if character == "/" && peek(1) == "/" {
                while index < characters.count && characters[index] != "\n" { index += 1 }
                continue
            }
            if character == "/" && peek(1) == "*" {
                index += 2
                while index < characters.count && !(characters[index] == "*" && peek(1) == "/") {
                    if characters[index] == "\n" { line += 1 }
                    index += 1
                }
                index += 2
                continue
            }
            if character == "\"" && peek(1) == "\"" && peek(2) == "\"" {
                index += 3
                while index < characters.count && !(characters[index] == "\"" && peek(1) == "\"" && peek(2) == "\"") {
                    if characters[index] == "\n" { line += 1 }
                    index += 1
                }
                index += 3
                lastSignificant = "\""
                continue
            }
            if character == "\"" {
                index += 1
                while index < characters.count && characters[index] != "\"" {
                    if characters[index] == "\\" { index += 1 }
                    if index < characters.count && characters[index] == "\n" { line += 1 }
                    index += 1
                }
                index += 1
                lastSignificant = "\""
                continue
            }
            switch character {
            case "(":
                // A call's argument list follows a name (not a keyword), a closing bracket or a
                // generic argument list.
                let followsName = CharacterSet.alphanumerics.contains(lastSignificant) || lastSignificant == "_"
                let isCall =
                    (followsName && !Self.keywordsBeforeAnExpression.contains(lastWord)) || lastSignificant == ")"
                    || lastSignificant == "]" || lastSignificant == ">" || lastSignificant == "?" || lastSignificant == "!"
                groups.append(Group(line: line, isTuple: !isCall))
            case ")":
                if let group = groups.popLast() {
                    if group.isTuple && group.hasComma && group.hasAwait { flagged.append(group.line) }
                    if group.hasAwait, !groups.isEmpty { groups[groups.count - 1].hasAwait = true }
                }
            case ",":
                if !groups.isEmpty { groups[groups.count - 1].hasComma = true }
            case "a":
                let word = String(String.UnicodeScalarView(characters[index..<min(index + 5, characters.count)]))
                let before = index > 0 ? characters[index - 1] : " "
                let after = peek(5) ?? " "
                if word == "await", !CharacterSet.alphanumerics.contains(before), !CharacterSet.alphanumerics.contains(after),
                    !groups.isEmpty
                {
                    groups[groups.count - 1].hasAwait = true
                }
            default:
                break
            }
            if !CharacterSet.whitespacesAndNewlines.contains(character) {
                let isNamePart = CharacterSet.alphanumerics.contains(character) || character == "_"
                let continuesName = CharacterSet.alphanumerics.contains(lastSignificant) || lastSignificant == "_"
                if isNamePart {
                    lastWord = (continuesName && index > 0 && characters[index - 1] == lastSignificant ? lastWord : "") + String(character)
                }
                lastSignificant = character
            }
            index += 1
        }
        return flagged.sorted()
    }
}
