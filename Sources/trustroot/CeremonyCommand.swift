import ArgumentParser
import Ceremony
import Foundation
import TUF

/// `trustroot ceremony`: what key holders do with a ceremony workspace on their air-gapped machines.
struct CeremonyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ceremony",
        abstract: "Sign, compare and check a proposed root in a ceremony workspace.",
        discussion: """
            A workspace holds published/N.root.json (the roots published so far), proposal/root.json \
            (the next root, collecting signatures) and transcript.jsonl (a hash-chained record of every step).
            """,
        subcommands: [Sign.self, Status.self, Verify.self, Diff.self, Merge.self]
    )

    struct WorkspaceArgument: ParsableArguments {
        @Argument(help: "The ceremony workspace folder.")
        var workspace: String

        var value: Workspace { Workspace(directory: URL(fileURLWithPath: workspace)) }

        func proposal() throws -> RootProposal {
            do {
                return try value.proposal()
            } catch {
                throw CLIError(message: "\(workspace): \(error)", code: .invalidData)
            }
        }
    }

    /// `trustroot ceremony sign`.
    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign the proposed root with your key: for the new root and, if your key was in it, the previous one.",
            discussion:
                "Read `ceremony diff` first. Passphrase or PIN: at the terminal, or $TRUSTROOT_KEY_PASSPHRASE / $TRUSTROOT_PKCS11_PIN."
        )

        @OptionGroup var workspace: WorkspaceArgument

        @Option(help: "An encrypted key file (from `trustroot key generate`).")
        var key: String?

        @Option(help: "A token key record (from `trustroot key import-pkcs11`).")
        var pkcs11: String?

        @Option(help: "Your name for the transcript (default: the key's x-tuf-on-ci-keyowner, else its key id).")
        var holder: String?

        func validate() throws {
            guard (key == nil) != (pkcs11 == nil) else { throw ValidationError("give exactly one of --key and --pkcs11") }
        }

        func run() throws {
            var proposal = try workspace.proposal()
            for finding in RootLint.check(proposal.metadata.signed) {
                FileHandleOutput.standardError.write("trustroot: warning: \(finding)\n")
            }
            let signer = try loadSigner()
            let ids: [String]
            do {
                ids = try proposal.sign(with: signer)
            } catch let error as RootProposal.Error {
                throw CLIError(message: "\(error)", code: .verificationFailed)
            }
            let owner = ids.compactMap { proposal.metadata.signed.keys[$0]?.unrecognizedFields["x-tuf-on-ci-keyowner"]?.stringValue }.first
            do {
                try workspace.value.save(proposal, step: "sign", holder: holder ?? owner ?? signer.publicKey.keyID)
            } catch let error as Transcript.Error {
                throw CLIError(message: "\(workspace.workspace): \(error)", code: .verificationFailed)
            }
            print("signed as \(ids.joined(separator: ", "))")
            print(Status.report(proposal), terminator: "")
        }

        func loadSigner() throws -> any Signer {
            if let key { return try KeyCommand.openKeyFile(key) }
            let path = pkcs11!
            guard let record = try? JSONParser().parse(try readFile(path, limit: 1 << 16)).objectValue, let json = record["pkcs11"],
                let reference = try? PKCS11KeyReference(json: json)
            else { throw CLIError(message: "\(path): not a token key record", code: .invalidData) }
            let pin = try PassphraseReader.read(prompt: "PIN for the token: ", environmentVariable: KeyCommand.pinVariable)
            return try KeyCommand.openToken(reference, pin: pin)
        }
    }

    /// `trustroot ceremony status`.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show signatures present and needed, and who is still missing.")

        @OptionGroup var workspace: WorkspaceArgument

        func run() throws {
            print(Self.report(try workspace.proposal()), terminator: "")
        }

        static func report(_ proposal: RootProposal) -> String {
            let (newRoot, previousRoot) = proposal.status
            let (missingNew, missingPrevious) = proposal.missingHolders
            var lines = ["root v\(proposal.metadata.signed.version), expires \(MetadataDate.format(proposal.metadata.signed.expires))"]
            lines.append("  as the new root: \(newRoot.summary)")
            if !newRoot.isSatisfied { lines.append("    not yet signed by: \(missingNew.joined(separator: ", "))") }
            if let previousRoot, let previous = proposal.previous {
                lines.append("  by root v\(previous.version)'s keys: \(previousRoot.summary)")
                if !previousRoot.isSatisfied { lines.append("    not yet signed by: \(missingPrevious.joined(separator: ", "))") }
            }
            lines.append(proposal.isComplete ? "complete: ready to publish" : "incomplete")
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// `trustroot ceremony verify`.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the workspace: transcript chain, lint, and signature thresholds. Exits 1 if anything is missing or wrong."
        )

        @OptionGroup var workspace: WorkspaceArgument

        func run() throws {
            do {
                let records = try workspace.value.verifyRecord()
                print("transcript: \(records.count) records, chain intact")
            } catch {
                throw CLIError(message: "\(workspace.workspace): \(error)", code: .verificationFailed)
            }
            let proposal = try workspace.proposal()
            for finding in RootLint.check(proposal.metadata.signed) { print("lint: \(finding)") }
            print(Status.report(proposal), terminator: "")
            guard proposal.isComplete else {
                throw CLIError(
                    message: "\(workspace.workspace): root v\(proposal.metadata.signed.version) is not yet signed by enough keys",
                    code: .verificationFailed
                )
            }
        }
    }

    /// `trustroot ceremony diff`.
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What the proposed root changes from the last published one.")

        @OptionGroup var workspace: WorkspaceArgument

        func run() throws {
            let proposal = try workspace.proposal()
            guard let previous = proposal.previous else {
                print("root v1: no published root to compare with")
                print(String(decoding: JSONWriter.prettyPrinted(proposal.metadata.signed.json), as: UTF8.self), terminator: "")
                return
            }
            print("root v\(previous.version) → v\(proposal.metadata.signed.version)")
            for line in RootDiff.changes(from: previous, to: proposal.metadata.signed) { print("  \(line)") }
        }
    }

    /// `trustroot ceremony merge`.
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take the signatures from a copy of the workspace signed on another machine."
        )

        @OptionGroup var workspace: WorkspaceArgument

        @Argument(help: "The other copy of the workspace.")
        var other: String

        func run() throws {
            var proposal = try workspace.proposal()
            let theirs: RootProposal
            do {
                theirs = try Workspace(directory: URL(fileURLWithPath: other)).proposal()
            } catch {
                throw CLIError(message: "\(other): \(error)", code: .invalidData)
            }
            let added = proposal.merge(theirs.metadata)
            if added.isEmpty {
                print("nothing to merge")
            } else {
                try workspace.value.save(proposal, step: "merge", holder: "merge from \(URL(fileURLWithPath: other).lastPathComponent)")
                print("merged signatures of \(added.joined(separator: ", "))")
            }
            print(Status.report(proposal), terminator: "")
        }
    }
}
