import ArgumentParser
import Foundation
import Logging

/// The `trustroot` command: run a Sigstore-style root of trust with TUF.
@main
struct TrustRootCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trustroot",
        abstract: "Run a Sigstore-style root of trust with TUF: ceremony, client and verifier.",
        version: trustRootVersion,
        subcommands: [MetadataCommand.self]
    )

    /// Maps every error to one line on standard error and a distinct exit code.
    static func main() {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CLIError {
            FileHandleOutput.standardError.write("trustroot: \(error.message)\n")
            Foundation.exit(error.exitCode)
        } catch {
            exit(withError: error)
        }
    }
}

/// The version `--version` prints.
let trustRootVersion = "0.1.0"
