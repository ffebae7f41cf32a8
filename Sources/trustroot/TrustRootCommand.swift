import ArgumentParser
import Foundation
import Logging
import TUF

/// The `trustroot` command: run a Sigstore-style root of trust with TUF.
@main
struct TrustRootCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trustroot",
        abstract: "Run a Sigstore-style root of trust with TUF: ceremony, client and verifier.",
        version: trustRootVersion,
        subcommands: [
            MetadataCommand.self, ClientCommand.self, KeyCommand.self, CeremonyCommand.self, RepoCommand.self, SignCommand.self,
            VerifyCommand.self,
            InspectCommand.self, LogCommand.self, MonitorCommand.self, ImageCommand.self, ProvenanceCommand.self,
        ]
    )

    /// Maps every error to one line on standard error and a distinct exit code.
    static func main() async {
        LoggingSystem.bootstrap { _ in PlainLogHandler() }
        // Past a file-size limit, a write should fail (EFBIG) and be reported like a full disk,
        // not kill the process half-way through writing a file.
        signal(SIGXFSZ, SIG_IGN)
        // Many commands decrypt a private key or log in to a token: no core dump may hold one.
        // Off for every command, before any argument is read, so none can be missed.
        SecretMemory.disableCoreDumps()
        do {
            let arguments = Array(CommandLine.arguments.dropFirst())
            // The quick paths are chosen before the first await, so that the one taken starts
            // its work on this thread.
            if let verify = VerifyArgumentScanner.request(from: arguments) {
                if try !VerifyArgumentScanner.runOnCallingThread(verify) { try await verify.run() }
                return
            }
            if let refresh = RefreshArgumentScanner.request(from: arguments) {
                let layout = RefreshArgumentScanner.prepare(refresh)
                try await ClientCommand.Refresh.refresh(layout, refresh.mode, json: refresh.json)
                return
            }
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            FileHandleOutput.standardError.write("trustroot: \(TerminalText.escaped(error.message))\n")
            Foundation.exit(error.exitCode)
        } catch {
            exit(withError: error)
        }
    }
}

/// The version `--version` prints.
let trustRootVersion = "0.1.0"
