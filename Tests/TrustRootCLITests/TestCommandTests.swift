import Foundation
import Testing

/// CI must run what the README tells people to run: the README's test command and the last
/// command of `.ci/run` are the same line.
@Suite("The documented test command")
struct TestCommandTests {
    @Test func ciRunsExactlyTheREADMEsTestCommand() throws {
        let readme = try String(contentsOf: PlaybookTests.source.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## Run every test\n").dropFirst().first)
        let command = try #require(PlaybookTests.shellBlocks(section).first)
        let script = try String(contentsOf: PlaybookTests.source.appendingPathComponent(".ci/run"), encoding: .utf8)
        let last = script.split(separator: "\n").last { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        #expect(last.map(String.init) == command)
        #expect(command.hasPrefix("swift format lint --strict --recursive "))
        #expect(command.hasSuffix("Fuzz/fuzz all 5"))
        // Every test runs once: the command line's suites are left out of the debug run and run
        // against the release binary the install command builds.
        #expect(command.contains(" && swift test --skip TrustRootCLITests && "))
        let releaseRun = "TRUSTROOT_BINARY=.build/release/trustroot swift test --skip-build --filter TrustRootCLITests"
        #expect(command.contains(" --product trustroot && \(releaseRun) && "))
        // The documentation of every library the package offers is built, warnings failing it.
        let manifest = try String(contentsOf: PlaybookTests.source.appendingPathComponent("Package.swift"), encoding: .utf8)
        let libraries = manifest.components(separatedBy: ".library(name: \"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(libraries.count >= 10)
        #expect(command.contains("swift package generate-documentation --warnings-as-errors "))
        for library in libraries { #expect(command.contains("--target \(library) "), "no documentation built for \(library)") }
    }
}
