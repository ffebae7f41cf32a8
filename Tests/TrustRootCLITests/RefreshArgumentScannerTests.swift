import ArgumentParser
import Testing

@testable import trustroot

/// The quick path for `trustroot client refresh` must read every command line it accepts
/// exactly as ArgumentParser does, and leave every other one to ArgumentParser.
@Suite("client refresh's quick argument path")
struct RefreshArgumentScannerTests {
    /// Command lines the scanner takes; each must give the refresh ArgumentParser gives.
    static let accepted: [[String]] = [
        ["client", "refresh"],
        ["client", "refresh", "--cache", "folder"],
        ["client", "refresh", "--cache=folder", "--json", "--timeout", "2.5"],
        ["client", "refresh", "--max-root-rotations", "1000", "--min-root-version=3", "--pin-root-version", "7"],
        ["client", "refresh", "--offline", "--allow-expired", "--cache", "c"],
        ["client", "refresh", "--timeout=86400", "--offline"],
    ]

    /// Command lines the scanner must leave to ArgumentParser, valid or not.
    static let declined: [[String]] = [
        ["client"], ["client", "refresh", "--help"], ["client", "refresh", "-h"], ["client", "status"], ["client", "get", "x"],
        ["client", "refresh", "extra"], ["client", "refresh", "--cache", "a", "--cache", "b"], ["client", "refresh", "--json", "--json"],
        ["client", "refresh", "--json=yes"], ["client", "refresh", "--unknown", "x"], ["client", "refresh", "--cache"],
        ["client", "refresh", "--cache="], ["client", "refresh", "--cache", "--json"], ["client", "refresh", "--", "x"],
        // Valid syntax, but values or a combination the command refuses: ArgumentParser says why.
        ["client", "refresh", "--timeout", "0"], ["client", "refresh", "--timeout", "nan"], ["client", "refresh", "--timeout", "86401"],
        ["client", "refresh", "--timeout", "-1"], ["client", "refresh", "--max-root-rotations", "0"],
        ["client", "refresh", "--min-root-version", "x"], ["client", "refresh", "--allow-expired"],
    ]

    @Test(arguments: accepted)
    func readsAcceptedLinesAsArgumentParserDoes(_ arguments: [String]) throws {
        let quick = try #require(RefreshArgumentScanner.request(from: arguments))
        let parsed = try #require(try TrustRootCommand.parseAsRoot(arguments) as? ClientCommand.Refresh)
        let mode = parsed.options.mode
        #expect(quick.cache == parsed.cacheOption.cache)
        #expect(quick.json == parsed.json)
        #expect(quick.mode.offline == mode.offline && quick.mode.allowExpired == mode.allowExpired)
        #expect(quick.mode.minimumRootVersion == mode.minimumRootVersion && quick.mode.pinnedRootVersion == mode.pinnedRootVersion)
        #expect(quick.mode.maximumRootRotations == mode.maximumRootRotations && quick.mode.timeout == mode.timeout)
    }

    @Test(arguments: declined)
    func leavesEverythingElseToArgumentParser(_ arguments: [String]) {
        #expect(RefreshArgumentScanner.request(from: arguments) == nil)
    }

    /// A new option added to `client refresh` must be known to the scanner; an option the
    /// scanner knows must exist.
    @Test func knowsExactlyTheOptionsRefreshHas() {
        let names = optionNames(inHelp: ClientCommand.Refresh.helpMessage(columns: 1000))
        #expect(names == Set(RefreshArgumentScanner.valueOptions + RefreshArgumentScanner.flags))
    }
}
