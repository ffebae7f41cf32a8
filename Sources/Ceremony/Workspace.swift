import Crypto
import Foundation
import TUF
import TUFClient

/// A ceremony workspace: the folder key holders carry between air-gapped machines.
///
/// - `ceremony.json`: the configuration (``CeremonyConfig``), keys inline;
/// - `targets/`: the files to publish, by target path;
/// - `published/N.ROLE.json`: every version of root, targets and delegated roles published so far;
/// - `proposal/ROLE.json`: what is proposed next, collecting signatures;
/// - `transcript.jsonl`: the hash-chained record of every step (``Transcript``). Each record
///   holds the digest of the whole workspace as the step left it, so an edit between steps
///   is caught by ``verifyRecord()``; `sign` records are signed by the key that signed.
///
/// Every file is reached through the workspace folder's descriptor without following links
/// (`ConfinedDirectory`, from Plumbing): a link planted in a copy of the workspace is refused, never followed.
/// Commands that only read (``snapshot()`` and what is built on it) write nothing.
public struct Workspace: Sendable {
    /// The folder.
    public let directory: URL

    /// Called before each file operation of a step; tests make it throw to interrupt a step
    /// part-way, as a crash or a full disk would.
    package var faultHook: (@Sendable (String) throws -> Void)?

    /// The workspace in `directory`.
    public init(directory: URL) {
        self.directory = directory
    }

    /// The custom field of proposed root and targets metadata that names the transcript's head
    /// when the proposal was made: the holders who sign the proposal vouch for the record up to it.
    public static let transcriptHeadField = "x-trustroot-transcript-head"

    // MARK: - Reading

    /// Reads the workspace once and checks it: no links, the transcript's chain and its record
    /// signatures, and every file as the last step (or a committed, unfinished one) left it.
    /// Writes nothing.
    public func snapshot() throws(CeremonyError) -> WorkspaceSnapshot {
        do {
            return try audited().snapshot
        } catch {
            throw CeremonyError(error)
        }
    }

    /// ``snapshot()`` with the audit of its transcript that checking it produced, for callers
    /// that report who signed what.
    public func audited() throws(CeremonyError) -> (snapshot: WorkspaceSnapshot, audit: TranscriptAudit) {
        do {
            let folder: ConfinedDirectory?
            do {
                folder = try ConfinedDirectory.open(directory.path)
            } catch {
                throw CeremonyError(error)
            }
            guard let folder else { throw CeremonyError.notWorkspace(directory.path) }
            let snapshot = try WorkspaceSnapshot.load(folder)
            return (snapshot, try TranscriptAudit(snapshot))
        } catch {
            throw CeremonyError(error)
        }
    }

    /// Checks the transcript chain and that the workspace is what its last step left, so a file
    /// edited by hand between steps is caught. Writes nothing.
    ///
    /// - Returns: the transcript's records.
    @discardableResult
    public func verifyRecord() throws(CeremonyError) -> [Transcript.Record] {
        do {
            return try snapshot().records
        } catch {
            throw CeremonyError(error)
        }
    }

    /// What is proposed, against the newest published metadata, once the workspace is checked.
    public func proposal() throws(CeremonyError) -> Proposal {
        do {
            return try snapshot().proposal()
        } catch {
            throw CeremonyError(error)
        }
    }

    /// The workspace's configuration.
    public func config() throws(CeremonyError) -> CeremonyConfig {
        do {
            return try snapshot().config(directory: directory)
        } catch {
            throw CeremonyError(error)
        }
    }

    /// Every published root, oldest first; they must be versions 1 to N with no gap.
    public func publishedRoots() throws(CeremonyError) -> [Metadata<Root>] {
        do {
            return try snapshot().publishedRoots()
        } catch {
            throw CeremonyError(error)
        }
    }

    /// The newest published version of the targets role and of each delegated role.
    public func publishedTargets() throws(CeremonyError) -> [String: Metadata<Targets>] {
        do {
            return try snapshot().publishedTargets()
        } catch {
            throw CeremonyError(error)
        }
    }

    // MARK: - Creating and proposing

    /// Creates a workspace in `directory` (absent or empty) from a configuration whose key files
    /// and target files are relative to `configDirectory`, and proposes the first root, targets
    /// and delegated roles.
    public static func create(
        at directory: URL,
        configuration: [UInt8],
        configDirectory: URL,
        holder: String,
        now: Date = Date()
    ) throws(CeremonyError) -> (Workspace, Proposal) {
        do {
            if let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.path), !entries.isEmpty {
                throw CeremonyError.notEmpty(directory.path)
            }
            let workspace = Workspace(directory: directory)
            let empty = WorkspaceSnapshot(files: [:], transcript: [], records: [], pending: nil)
            let proposal = try workspace.propose(
                on: empty,
                configuration: (configuration, configDirectory),
                holder: holder,
                step: "init",
                options: (false, false, false),
                now: now
            )
            return (workspace, proposal)
        } catch {
            throw CeremonyError(error)
        }
    }

    /// Starts the transcript of a workspace assembled by hand or by another tool: records an
    /// `adopt` step over the managed files present, which later steps are then checked against.
    ///
    /// - Throws: ``CeremonyError`` of kind ``CeremonyError/Kind/conflict`` when the folder already
    ///   has a transcript or a journal.
    @discardableResult
    public static func adopt(at directory: URL, holder: String, now: Date = Date()) throws(CeremonyError) -> Workspace {
        do {
            let workspace = Workspace(directory: directory)
            let folder: ConfinedDirectory
            do {
                guard let opened = try ConfinedDirectory.open(directory.path) else { throw CeremonyError.notWorkspace(directory.path) }
                folder = opened
                guard try !folder.exists(WorkspaceSnapshot.transcriptPath), try !folder.exists(WorkspaceJournal.fileName) else {
                    throw CeremonyError.alreadyWorkspace(directory.path)
                }
            } catch let error as ConfinedDirectory.Error {
                throw CeremonyError(error)
            }
            let files = try WorkspaceSnapshot.managedFiles(in: folder)
            let empty = WorkspaceSnapshot(files: [:], transcript: [], records: [], pending: nil)
            try workspace.commit(WorkspaceJournal.Change(writes: files), step: "adopt", holder: holder, time: now, on: empty)
            return workspace
        } catch {
            throw CeremonyError(error)
        }
    }

    /// The changes that install `configuration` (relative to `configDirectory`) and its target
    /// files in place of the workspace's, with the configuration and the files' bytes.
    func installation(
        of configuration: [UInt8],
        from configDirectory: URL,
        replacing snapshot: WorkspaceSnapshot
    ) throws -> (WorkspaceJournal.Change, CeremonyConfig, [String: [UInt8]]) {
        let config: CeremonyConfig
        do {
            config = try CeremonyConfig(bytes: configuration, directory: configDirectory)
        } catch {
            throw CeremonyError.invalid("configuration", error)
        }
        var change = WorkspaceJournal.Change()
        var files: [String: [UInt8]] = [:]
        for file in config.files {
            let source = CeremonyConfig.resolve(file.source, in: configDirectory)
            guard let data = FileManager.default.contents(atPath: source.path) else { throw CeremonyError.missingFile(source.path) }
            files[file.path] = Array(data)
            change.writes["targets/\(file.path)"] = Array(data)
        }
        for path in snapshot.paths(in: "targets") where change.writes[path] == nil { change.deletes.insert(path) }
        change.writes[WorkspaceSnapshot.configPath] = JSONWriter.prettyPrinted(config.resolvedJSON)
        // The configuration as the workspace will read it back.
        let installed = try CeremonyConfig(bytes: change.writes[WorkspaceSnapshot.configPath]!, directory: directory)
        return (change, installed, files)
    }

    /// Proposes what the configuration describes beyond what is published: a new root when the
    /// root changes (or `forceRoot`, to renew its expiry), new targets metadata when the targets
    /// change, their signers change (`forceTargets` renews), and the same for each delegated role.
    ///
    /// - Parameters:
    ///   - configuration: a new configuration to install first, with the folder its paths are relative to.
    ///   - holder: who proposes, as the transcript records it.
    ///   - step: the transcript's name for the step.
    ///   - forceRoot: propose a new root even when nothing in it changes, to renew its expiry.
    ///   - forceTargets: propose new targets metadata even when nothing in it changes.
    ///   - replacing: whether a pending proposal that has signatures may be discarded.
    ///   - now: the time expiry dates count from.
    @discardableResult
    public func propose(
        configuration: (bytes: [UInt8], directory: URL)? = nil,
        holder: String,
        step: String = "propose",
        forceRoot: Bool = false,
        forceTargets: Bool = false,
        replacing: Bool = false,
        now: Date = Date()
    ) throws(CeremonyError) -> Proposal {
        do {
            return try propose(
                on: try snapshot(),
                configuration: configuration,
                holder: holder,
                step: step,
                options: (forceRoot, forceTargets, replacing),
                now: now
            )
        } catch {
            throw CeremonyError(error)
        }
    }

    private func propose(
        on snapshot: WorkspaceSnapshot,
        configuration: (bytes: [UInt8], directory: URL)?,
        holder: String,
        step: String,
        options: (forceRoot: Bool, forceTargets: Bool, replacing: Bool),
        now: Date
    ) throws -> Proposal {
        if !snapshot.records.isEmpty {
            let pending = try snapshot.proposal()
            let hasSignatures =
                !(pending.root?.metadata.signatures.isEmpty ?? true) || pending.targets.values.contains { !$0.signatures.isEmpty }
            guard options.replacing || !hasSignatures else { throw CeremonyError.signedProposalPending }
        }
        var change = WorkspaceJournal.Change()
        let config: CeremonyConfig
        let files: [String: [UInt8]]
        if let configuration {
            (change, config, files) = try installation(of: configuration.bytes, from: configuration.directory, replacing: snapshot)
        } else {
            config = try snapshot.config(directory: directory)
            files = try snapshot.targetFiles(config)
        }
        let publishedRoot = try snapshot.publishedRoots().last
        let publishedTargets = try snapshot.publishedTargets()
        let head = JSONValue.string(snapshot.headHash)
        var root: RootProposal?
        var draftRoot = MetadataDraft.root(config, previous: publishedRoot?.signed, now: now)
        if options.forceRoot || publishedRoot.map({ !MetadataDraft.sameContent($0.signed, draftRoot) }) ?? true {
            draftRoot.unrecognizedFields[Self.transcriptHeadField] = head
            root = try RootProposal(previous: publishedRoot?.signed, metadata: Metadata(signed: draftRoot))
        }
        var proposal = Proposal(root: root, targets: [:], publishedRoot: publishedRoot, publishedTargets: publishedTargets)

        var drafts = [("targets", MetadataDraft.targets(config, previous: publishedTargets["targets"]?.signed, files: files, now: now))]
        for delegation in config.delegations {
            let previous = publishedTargets[delegation.name]?.signed
            drafts.append((delegation.name, MetadataDraft.delegated(delegation.name, config, previous: previous, files: files, now: now)))
        }
        for (role, var draft) in drafts where options.forceTargets || needsNewVersion(of: role, draft: draft, in: proposal) {
            draft.unrecognizedFields[Self.transcriptHeadField] = head
            proposal.targets[role] = Metadata(signed: draft)
        }
        let proposalChange = self.change(saving: proposal, in: snapshot)
        change.writes.merge(proposalChange.writes) { _, new in new }
        change.deletes.subtract(proposalChange.writes.keys)
        change.deletes.formUnion(proposalChange.deletes)
        try commit(change, step: step, holder: holder, time: now, on: snapshot)
        return proposal
    }

    /// Whether the published metadata of `role` differs from `draft`, or would no longer be
    /// accepted through its delegator as `proposal` leaves it.
    func needsNewVersion(of role: String, draft: Targets, in proposal: Proposal) -> Bool {
        guard let published = proposal.publishedTargets[role] else { return true }
        if !MetadataDraft.sameContent(published.signed, draft) { return true }
        guard let (delegate, keys) = proposal.delegation(of: role) else { return true }
        return !ThresholdVerification(role: role, delegate: delegate, keys: keys, metadata: published).isSatisfied
    }

    // MARK: - Recording

    /// Writes the proposal and records `step` by `holder` in the transcript, as one step,
    /// after checking that the workspace is as the last step left it.
    ///
    /// - Parameters:
    ///   - proposal: the proposal to write.
    ///   - step: the transcript's name for the step.
    ///   - holder: who took the step.
    ///   - signer: the key that took the step, which signs its record (with the id it has in
    ///     the ceremony's metadata); `sign` steps pass the key that signed.
    ///   - snapshot: the workspace as read when `proposal` was taken from it, so that the step
    ///     is recorded on what was checked (default: the workspace read again now).
    public func save(
        _ proposal: Proposal,
        step: String,
        holder: String,
        signer: (any Signer, keyID: String)? = nil,
        on snapshot: WorkspaceSnapshot? = nil
    ) throws(CeremonyError) {
        do {
            let snapshot = try snapshot ?? self.snapshot()
            try commit(change(saving: proposal, in: snapshot), step: step, holder: holder, signer: signer, on: snapshot)
        } catch {
            throw CeremonyError(error)
        }
    }

    /// Finishes a step that was committed but interrupted before all its files were written.
    public func finishInterruptedStep() throws(CeremonyError) {
        do {
            let snapshot = try snapshot()
            if snapshot.pending != nil { try WorkspaceWriter(workspace: self).finish(snapshot) }
        } catch {
            throw CeremonyError(error)
        }
    }

    /// The changes that make `proposal/` hold exactly `proposal`.
    func change(saving proposal: Proposal, in snapshot: WorkspaceSnapshot) -> WorkspaceJournal.Change {
        var change = WorkspaceJournal.Change()
        if let root = proposal.root { change.writes["proposal/root.json"] = root.metadata.encoded() }
        for (role, metadata) in proposal.targets { change.writes["proposal/\(role).json"] = metadata.encoded() }
        for path in snapshot.paths(in: "proposal") where change.writes[path] == nil { change.deletes.insert(path) }
        return change
    }

    /// Commits `change` as `step` by `holder` on top of `snapshot`, finishing an interrupted step first.
    func commit(
        _ change: WorkspaceJournal.Change,
        step: String,
        holder: String,
        time: Date = Date(),
        signer: (any Signer, keyID: String)? = nil,
        on snapshot: WorkspaceSnapshot
    ) throws {
        try WorkspaceWriter(workspace: self).commit(change, step: step, holder: holder, time: time, signer: signer, on: snapshot)
    }

    // MARK: - Publishing

    /// Publishes the completed proposal into the repository folder `repository`: the root
    /// chain, targets and delegated metadata, the target files, and a new snapshot and
    /// timestamp signed by `online`. The proposal then becomes the published state.
    ///
    /// Refused when the workspace was edited outside the ceremony, when any proposed role lacks
    /// signatures, or when a client trusting any earlier root would not reach the new one.
    @discardableResult
    public func publish(to repository: URL, online: some Signer, holder: String, now: Date = Date()) throws(CeremonyError) -> Metadata<
        Timestamp
    > {
        do {
            let snapshot = try snapshot()
            let config = try snapshot.config(directory: directory)
            let proposal = try readyToPublish(snapshot)
            var roots = try snapshot.publishedRoots()
            if let root = proposal.root { roots.append(root.metadata) }
            guard let targets = proposal.effectiveTargets("targets") else { throw CeremonyError.missingFile("targets metadata") }
            var delegated: [String: Metadata<Targets>] = [:]
            for delegation in config.delegations {
                guard let metadata = proposal.effectiveTargets(delegation.name) else {
                    throw CeremonyError.missingFile("\(delegation.name) metadata")
                }
                delegated[delegation.name] = metadata
            }
            let timestamp = try RepositoryPublisher(directory: repository).publish(
                roots: roots,
                targets: targets,
                delegated: delegated,
                targetFiles: try snapshot.targetFiles(config),
                online: online,
                snapshotExpires: MetadataDraft.expiry(now, days: config.snapshotExpiryDays),
                timestampExpires: MetadataDraft.expiry(now, days: config.timestampExpiryDays),
                now: now
            )

            // The repository is written; now the proposal becomes the published state, in one step.
            var change = WorkspaceJournal.Change()
            if let root = proposal.root {
                change.writes["published/\(root.metadata.signed.version).root.json"] = root.metadata.encoded()
            }
            for (role, metadata) in proposal.targets {
                change.writes["published/\(metadata.signed.version).\(role).json"] = metadata.encoded()
            }
            change.deletes = Set(snapshot.paths(in: "proposal")).subtracting(change.writes.keys)
            try commit(change, step: "publish", holder: holder, time: now, on: snapshot)
            return timestamp
        } catch {
            throw CeremonyError(error)
        }
    }

    /// The proposal, once the workspace is as its last step left it and every proposed role
    /// has the signatures a client needs.
    public func readyToPublish() throws(CeremonyError) -> Proposal {
        do {
            return try readyToPublish(try snapshot())
        } catch {
            throw CeremonyError(error)
        }
    }

    func readyToPublish(_ snapshot: WorkspaceSnapshot) throws -> Proposal {
        let proposal = try snapshot.proposal()
        guard !proposal.isEmpty else { throw CeremonyError.nothingProposed }
        let unmet = proposal.statuses.filter { !$0.isComplete }.map { status in
            var line = "\(status.role) v\(status.version) has \(status.verification.summary)"
            if let previous = status.previousRoot, !previous.isSatisfied {
                line += ", and from the previous root's keys \(previous.summary)"
            }
            return line
        }
        guard unmet.isEmpty else { throw CeremonyError.incomplete(unmet) }
        return proposal
    }
}
