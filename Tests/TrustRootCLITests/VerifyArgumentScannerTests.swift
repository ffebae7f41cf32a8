import ArgumentParser
import Testing

@testable import trustroot

/// The quick path for `trustroot verify` must read every command line it accepts exactly as
/// ArgumentParser does, and leave every other one to ArgumentParser.
@Suite("verify's quick argument path")
struct VerifyArgumentScannerTests {
    static let identity = ["--certificate-identity", "me@example.com", "--certificate-oidc-issuer", "https://issuer.example"]

    /// Command lines the scanner takes; each must give the request ArgumentParser gives.
    static let accepted: [[String]] = [
        ["verify", "--bundle", "b.json"] + identity + ["artifact"],
        [
            "verify", "artifact", "--bundle=b.json", "--certificate-identity=me@example.com",
            "--certificate-oidc-issuer=https://issuer.example",
        ],
        [
            "verify", "--bundle", "b.json", "--certificate-identity-regexp", "^.*@example\\.com$", "--certificate-oidc-issuer", "https://i",
            "a",
        ],
        ["verify", "--bundle", "b.json"] + identity + [
            "--claim", "9=repo", "--claim=12=ref", "--json", "sha256:" + String(repeating: "ab", count: 32),
        ],
        ["verify", "--bundle", "b.json", "--key", "key.pem", "--predicate-type", "https://slsa.dev/provenance/v1", "a"],
        ["verify", "--batch", "list.tsv", "--key", "key.pem", "--trusted-root", "root.json"],
        ["verify", "--staging", "--cache", "client", "--bundle", "b.json"] + identity + ["a", "--json"],
        ["verify", "--bundle", "b.json", "--trusted-root=root.json"] + identity + ["a=b"],
    ]

    /// Command lines the scanner must leave to ArgumentParser, valid or not.
    static let declined: [[String]] = [
        ["verify", "--help"], ["verify", "-h"], ["--version"], ["verify"], ["inspect", "b.json"],
        ["verify", "--bundle", "b.json"] + identity + ["a", "extra"],
        ["verify", "--bundle", "b.json", "--bundle", "c.json"] + identity + ["a"],
        ["verify", "--bundle", "b.json"] + identity + ["--json", "--json", "a"],
        ["verify", "--bundle", "b.json"] + identity + ["--json=true", "a"],
        ["verify", "--bundle", "b.json"] + identity + ["--unknown", "x", "a"],
        ["verify", "--bundle"], ["verify", "--bundle", "--json"] + identity + ["a"],
        ["verify", "--bundle", "b.json"] + identity + ["--", "a"],
        ["verify", "--bundle", "b.json"] + identity + ["-"],
        ["verify", "--bundle=", "--key", "k", "a"],
        ["verify", "--bundle", "b.json", "--certificate-identity", "-x", "--certificate-oidc-issuer", "i", "a"],
        // Valid syntax, but a combination the command refuses: ArgumentParser says why.
        ["verify", "--bundle", "b.json", "a"],
        ["verify", "--bundle", "b.json", "--batch", "l"] + identity + ["a"],
        ["verify", "--bundle", "b.json"] + identity + ["--claim", "x=y", "a"],
    ]

    @Test(arguments: accepted)
    func readsAcceptedLinesAsArgumentParserDoes(_ arguments: [String]) throws {
        let quick = try #require(VerifyArgumentScanner.request(from: arguments))
        let parsed = try #require(try TrustRootCommand.parseAsRoot(arguments) as? VerifyCommand)
        #expect(quick == parsed.request)
    }

    @Test(arguments: declined)
    func leavesEverythingElseToArgumentParser(_ arguments: [String]) {
        #expect(VerifyArgumentScanner.request(from: arguments) == nil)
    }

    /// A new option added to `verify` must be known to the scanner, or it would be refused by the
    /// scanner and so be slow; an option the scanner knows must exist.
    @Test func knowsExactlyTheOptionsVerifyHas() {
        let names = optionNames(inHelp: VerifyCommand.helpMessage(columns: 1000))
        #expect(names == Set(VerifyArgumentScanner.valueOptions + VerifyArgumentScanner.flags))
    }
}

/// The long options a command's `--help` lists, without their dashes, leaving out `help`.
func optionNames(inHelp help: String) -> Set<String> {
    var names: Set<String> = []
    var rest = Substring(help)
    while let range = rest.range(of: "--") {
        let name = rest[range.upperBound...].prefix { $0.isLetter || $0 == "-" }
        if !name.isEmpty { names.insert(String(name)) }
        rest = rest[range.upperBound...]
    }
    names.remove("help")
    return names
}
