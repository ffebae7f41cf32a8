import ArgumentParser
import Ceremony
import Foundation
import TUF
import TUFClient

/// `trustroot ceremony`: what key holders do with a ceremony workspace on their air-gapped machines.
struct CeremonyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ceremony",
        abstract: "Create, sign, check and publish the metadata of a TUF repository in a ceremony workspace.",
        discussion: """
            A workspace holds ceremony.json (the configuration, keys inline), targets/ (the files to publish), \
            published/ (every version published so far), proposal/ (what is being signed) and transcript.jsonl \
            (a hash-chained record of every step). See ceremony/PLAYBOOK.md.
            """,
        subcommands: [Init.self, Propose.self, Diff.self, Sign.self, Merge.self, Status.self, Verify.self, Publish.self]
    )

    struct WorkspaceArgument: ParsableArguments {
        @Argument(help: "The ceremony workspace folder.")
        var workspace: String

        var value: Workspace { Workspace(directory: URL(fileURLWithPath: workspace)) }

        /// The workspace read once and checked; writes nothing.
        func snapshot() throws -> WorkspaceSnapshot {
            try step { try value.snapshot() }
        }

        func proposal() throws -> Proposal {
            try step { try value.proposal() }
        }

        /// Runs a step on the workspace, turning the library's errors into one line and an exit
        /// code: 1 for a refusal (tampering, missing signatures), 65 for bad data, 66 for a
        /// folder that is not a workspace.
        func step<T>(_ body: () throws -> T) throws -> T {
            try CeremonyCommand.step(on: workspace, body)
        }

        /// Lint findings for the proposal and the configuration (from `snapshot`, the workspace as
        /// read for this step; else read after it), on standard error.
        func warn(_ proposal: Proposal, _ snapshot: WorkspaceSnapshot? = nil) {
            let config = snapshot.map { try? $0.config(directory: value.directory) } ?? (try? value.config())
            for finding in CeremonyCommand.lint(proposal, config: config) {
                FileHandleOutput.standardError.write("trustroot: warning: \(finding)\n")
            }
        }
    }

    /// Runs `body` on the workspace at `workspace`, mapping the library's errors to one line and an exit code.
    static func step<T>(on workspace: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw CLIError.fromFileStep(error, at: workspace) ?? error
        }
    }

    /// Who ran a step, for the transcript.
    struct HolderOption: ParsableArguments {
        @Option(help: "Your name for the transcript (default: $USER; for sign, the key's holder).")
        var holder: String?

        var name: String { holder ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown" }
    }

    static func lint(_ proposal: Proposal, config: CeremonyConfig?) -> [RootLint.Finding] {
        var findings = proposal.effectiveRoot.map { RootLint.check($0) } ?? []
        if let config { findings += RootLint.checkHolders(config) }
        return findings
    }

    /// `trustroot ceremony init`.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create a workspace from a configuration and propose the first root, targets and delegated roles."
        )

        @OptionGroup var workspace: WorkspaceArgument

        @Option(help: "The ceremony configuration (see ceremony/ceremony.template.json).")
        var config: String

        @OptionGroup var holder: HolderOption

        func run() throws {
            let bytes = try readFile(config, limit: 1 << 20)
            let (_, proposal) = try workspace.step {
                try Workspace.create(
                    at: URL(fileURLWithPath: workspace.workspace),
                    configuration: bytes,
                    configDirectory: URL(fileURLWithPath: config).deletingLastPathComponent(),
                    holder: holder.name
                )
            }
            workspace.warn(proposal)
            print("proposed \(ProposalReport.proposedList(proposal))")
            print(ProposalReport.status(proposal), terminator: "")
        }
    }

    /// `trustroot ceremony propose`.
    struct Propose: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "propose",
            abstract: "Propose the next versions from the last published ones and the (optionally new) configuration.",
            discussion: """
                Keys, thresholds, delegations and files come from the configuration; keys already listed keep \
                their ids and custom fields. Roles that do not change are not proposed unless --root or --targets \
                asks for a new version (to renew expiry).
                """
        )

        @OptionGroup var workspace: WorkspaceArgument

        @Option(help: "A new configuration to install first.")
        var config: String?

        @Flag(help: "Propose a new root version even if nothing but its expiry changes.")
        var root = false

        @Flag(help: "Propose new targets and delegated versions even if nothing but their expiry changes.")
        var targets = false

        @Flag(help: "Discard a pending proposal that already has signatures.")
        var replace = false

        @OptionGroup var holder: HolderOption

        func run() throws {
            let proposal = try workspace.step {
                let configuration = try config.map {
                    (bytes: try readFile($0, limit: 1 << 20), directory: URL(fileURLWithPath: $0).deletingLastPathComponent())
                }
                return try workspace.value.propose(
                    configuration: configuration,
                    holder: holder.name,
                    forceRoot: root,
                    forceTargets: targets,
                    replacing: replace
                )
            }
            workspace.warn(proposal)
            guard !proposal.isEmpty else {
                print("nothing changes: nothing proposed (use --root or --targets to renew expiry)")
                return
            }
            print("proposed \(ProposalReport.proposedList(proposal))")
            print(ProposalReport.status(proposal), terminator: "")
        }
    }

    /// `trustroot ceremony sign`.
    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sign",
            abstract: "Sign every proposed role your key belongs to; for root also as a key of the previous root.",
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

        @Flag(help: "Sign without asking: on a terminal, sign first shows what is signed and asks to go ahead.")
        var yes = false

        func validate() throws {
            guard (key == nil) != (pkcs11 == nil) else { throw ValidationError("give exactly one of --key and --pkcs11") }
        }

        /// On a terminal, shows the changes of the roles about to be signed and the key, and asks.
        func confirm(_ proposal: Proposal, _ signed: [(role: String, keyIDs: [String])], owner: String?) throws {
            guard !yes, TerminalPrompt.isInteractive else { return }
            let roles = Set(signed.map(\.role))
            print(ProposalReport.diffText(ProposalReport.diff(proposal).filter { roles.contains($0.role) }), terminator: "")
            let ids = Array(Set(signed.flatMap(\.keyIDs))).sorted().joined(separator: ", ")
            let list = signed.map {
                "\($0.role) v\(proposal.targets[$0.role]?.signed.version ?? proposal.root?.metadata.signed.version ?? 0)"
            }
            guard try TerminalPrompt.confirm("Sign \(list.joined(separator: ", ")) as \(owner ?? "this key") with key \(ids)?") else {
                throw CLIError(message: "\(workspace.workspace): not signed: nothing was changed", code: .verificationFailed)
            }
        }

        func run() throws {
            // Read once: what is signed, warned about and recorded is the workspace as checked.
            let snapshot = try workspace.snapshot()
            var proposal = try workspace.step { try snapshot.proposal() }
            workspace.warn(proposal, snapshot)
            let signer = try loadSigner(key: key, pkcs11: pkcs11)
            let signed = try workspace.step { try proposal.sign(with: signer) }
            let keyID = signed[0].keyIDs[0]
            let owner = signed.lazy.flatMap(\.keyIDs).compactMap { keyID in
                (proposal.effectiveRoot?.keys[keyID] ?? proposal.effectiveTargets("targets")?.signed.delegations?.keys[keyID])?
                    .owner
            }.first
            try confirm(proposal, signed, owner: owner)
            try workspace.step {
                try workspace.value.save(
                    proposal,
                    step: "sign",
                    holder: holder ?? owner ?? signer.publicKey.keyID,
                    signer: (signer, keyID: keyID),
                    on: snapshot
                )
            }
            for (role, ids) in signed { print("signed \(role) as \(ids.joined(separator: ", "))") }
            print(ProposalReport.status(proposal), terminator: "")
        }
    }

    /// Opens an encrypted key file or a token key record, asking for the passphrase or PIN.
    static func loadSigner(key: String?, pkcs11: String?, rsaPadding: InMemorySigner.RSAPadding = .pss) throws -> any Signer {
        if let key { return try KeyCommand.openKeyFile(key, rsaPadding: rsaPadding) }
        let path = pkcs11!
        guard let record = try? JSONParser().parse(try readFile(path, limit: 1 << 16)).objectValue, let json = record["pkcs11"],
            let reference = try? PKCS11KeyReference(json: json)
        else { throw CLIError(message: "\(path): not a token key record", code: .invalidData) }
        let pin = try PassphraseReader.read(prompt: "PIN for the token: ", environmentVariable: KeyCommand.pinVariable)
        return try KeyCommand.openToken(reference, pin: pin)
    }

    /// `trustroot ceremony status`.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show signatures present and needed, and who is still missing."
        )

        @OptionGroup var workspace: WorkspaceArgument

        @Flag(help: "Print the status as JSON.")
        var json = false

        func run() throws {
            let proposal = try workspace.proposal()
            if json {
                FileHandleOutput.standardOutput.write(JSONWriter.prettyPrinted(ProposalReport.statusJSON(proposal)))
            } else {
                print(ProposalReport.status(proposal), terminator: "")
            }
        }
    }

    /// `trustroot ceremony verify`.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract:
                "Check the workspace: transcript chain, files, lint and signature thresholds. Exits 1 if anything is missing or wrong."
        )

        @OptionGroup var workspace: WorkspaceArgument

        func run() throws {
            // The audit is the one checking the snapshot produced: the transcript is checked once.
            let (snapshot, audit) = try workspace.step { try workspace.value.audited() }
            print("transcript: \(snapshot.records.count) records, chain intact, workspace as its last step left it")
            if snapshot.hasPendingStep {
                print("  the last step was interrupted after its commit; the next step that writes finishes it")
            }
            for entry in audit.entries {
                let who =
                    entry.signer.map { "signed by key \($0.keyID)\($0.holder.map { " (\($0))" } ?? "")" } ?? "unsigned"
                print("  \(entry.line): \(entry.record.step) by \(entry.record.holder), \(who)")
            }
            for anchor in audit.anchors {
                if anchor.line == 0 {
                    print("  \(anchor.path) was proposed on an empty transcript")
                } else {
                    print(
                        "  \(anchor.path) was proposed at transcript line \(anchor.line): its signers vouch for lines 1 to \(anchor.line)"
                    )
                }
            }
            let proposal = try workspace.step { try snapshot.proposal() }
            let config = try? snapshot.config(directory: workspace.value.directory)
            for finding in CeremonyCommand.lint(proposal, config: config) { print("lint: \(finding)") }
            print(ProposalReport.status(proposal), terminator: "")
            guard proposal.isEmpty || proposal.isComplete else {
                throw CLIError(
                    message: "\(workspace.workspace): \(ProposalReport.proposedList(proposal)) not yet signed by enough keys",
                    code: .verificationFailed
                )
            }
        }
    }

    /// `trustroot ceremony diff`.
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "What the proposal changes from what was last published."
        )

        @OptionGroup var workspace: WorkspaceArgument

        @Flag(help: "Print the changes as JSON.")
        var json = false

        func run() throws {
            let roles = ProposalReport.diff(try workspace.proposal())
            if json {
                FileHandleOutput.standardOutput.write(JSONWriter.prettyPrinted(ProposalReport.diffJSON(roles)))
            } else {
                print(ProposalReport.diffText(roles), terminator: "")
            }
        }
    }

    /// `trustroot ceremony merge`.
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Take the signatures from a copy of the workspace signed on another machine."
        )

        @OptionGroup var workspace: WorkspaceArgument

        @Argument(help: "The other copy of the workspace.")
        var other: String

        func run() throws {
            let snapshot = try workspace.snapshot()
            var proposal = try workspace.step { try snapshot.proposal() }
            let theirs = try CeremonyCommand.step(on: other) { try Workspace(directory: URL(fileURLWithPath: other)).proposal() }
            // Signatures over another proposal cannot be merged: say how the two differ.
            let differences = proposal.differences(from: theirs)
            guard differences.isEmpty else {
                for line in differences { print(line) }
                throw CLIError(
                    message:
                        "\(other) proposes something else than \(workspace.workspace): nothing merged; sign the same proposal, or propose again in one copy",
                    code: .verificationFailed
                )
            }
            let added = proposal.merge(theirs)
            if added.isEmpty {
                print("nothing to merge")
            } else {
                try workspace.step {
                    try workspace.value.save(
                        proposal,
                        step: "merge",
                        holder: "merge from \(URL(fileURLWithPath: other).lastPathComponent)",
                        on: snapshot
                    )
                }
                for (role, ids) in added { print("merged \(role) signatures of \(ids.joined(separator: ", "))") }
            }
            print(ProposalReport.status(proposal), terminator: "")
        }
    }

    /// `trustroot ceremony publish`.
    struct Publish: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "publish",
            abstract: "Write the signed proposal as a TUF repository, with snapshot and timestamp signed by the online key.",
            discussion: """
                Refused when any proposed role lacks signatures or the workspace was edited outside the ceremony. \
                Before writing, checks that a client trusting any earlier published root reaches the new one and \
                accepts the whole repository.
                """
        )

        @OptionGroup var workspace: WorkspaceArgument

        @Option(help: "The repository folder to write (metadata/ and targets/).")
        var out: String

        @Option(help: "The online key's encrypted key file.")
        var onlineKey: String?

        @Option(help: "The online key's token key record.")
        var onlinePkcs11: String?

        @OptionGroup var holder: HolderOption

        func validate() throws {
            guard (onlineKey == nil) != (onlinePkcs11 == nil) else {
                throw ValidationError("give exactly one of --online-key and --online-pkcs11")
            }
        }

        func run() throws {
            // Refusals come before the online key's passphrase is asked for.
            let proposal = try workspace.step { try workspace.value.readyToPublish() }
            let online = try CeremonyCommand.loadSigner(key: onlineKey, pkcs11: onlinePkcs11)
            let progress = TerminalProgress()
            progress.show("checking that clients of every published root accept the result, then writing \(out)…", force: true)
            defer { progress.finish() }
            let timestamp = try workspace.step {
                try workspace.value.publish(to: URL(fileURLWithPath: out), online: online, holder: holder.name)
            }
            progress.finish()
            print(
                "published \(ProposalReport.proposedList(proposal)), snapshot v\(timestamp.signed.snapshotMeta.version), timestamp v\(timestamp.signed.version) to \(out)"
            )
        }
    }
}
