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
///   is caught by ``verifyRecord()``.
public struct Workspace: Sendable {
    /// The folder.
    public let directory: URL

    /// Called before each file operation of a step; tests make it throw to interrupt a step
    /// part-way, as a crash or a full disk would.
    package var faultHook: (@Sendable (String) throws -> Void)?

    /// Why a workspace cannot be used.
    public enum Error: Swift.Error, Equatable, Sendable, CustomStringConvertible {
        /// A file the workspace needs is missing or unreadable.
        case missing(String)
        /// A file is not valid metadata or configuration.
        case invalid(String, MetadataError)
        /// The published roots do not form versions 1…N, or a file differs from what the
        /// transcript recorded.
        case gap(String)
        /// The folder for a new workspace is not empty.
        case notEmpty(String)
        /// A proposal that already has signatures would be thrown away.
        case signedProposalPending
        /// Publishing would give clients metadata without enough signatures.
        case incomplete([String])

        /// The error as one line for people.
        public var description: String {
            switch self {
            case .missing(let path): return "\(path): missing or unreadable"
            case .invalid(let path, let error): return "\(path): \(error)"
            case .gap(let reason): return reason
            case .notEmpty(let path): return "\(path): not empty; a new workspace needs an empty folder"
            case .signedProposalPending:
                return "the pending proposal already has signatures; publish it, or propose again with --replace to discard them"
            case .incomplete(let roles): return "not enough signatures: \(roles.joined(separator: "; "))"
            }
        }
    }

    /// The workspace in `directory`.
    public init(directory: URL) {
        self.directory = directory
    }

    var configURL: URL { directory.appendingPathComponent("ceremony.json") }
    var targetFilesURL: URL { directory.appendingPathComponent("targets") }
    var proposalURL: URL { directory.appendingPathComponent("proposal") }
    var publishedURL: URL { directory.appendingPathComponent("published") }

    /// The record of the ceremony.
    public var transcript: Transcript { Transcript(url: directory.appendingPathComponent("transcript.jsonl")) }

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
    ) throws -> (Workspace, Proposal) {
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.path), !entries.isEmpty {
            throw Error.notEmpty(directory.path)
        }
        let workspace = Workspace(directory: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let proposal = try workspace.propose(configuration: (configuration, configDirectory), holder: holder, step: "init", now: now)
        return (workspace, proposal)
    }

    /// The changes that install `configuration` (relative to `configDirectory`) and its target
    /// files in place of the workspace's, with the configuration and the files' bytes.
    func installation(
        of configuration: [UInt8],
        from configDirectory: URL
    ) throws -> (WorkspaceJournal.Change, CeremonyConfig, [String: [UInt8]]) {
        let config: CeremonyConfig
        do {
            config = try CeremonyConfig(bytes: configuration, directory: configDirectory)
        } catch {
            throw Error.invalid("configuration", error)
        }
        var change = WorkspaceJournal.Change()
        var files: [String: [UInt8]] = [:]
        for file in config.files {
            let source = CeremonyConfig.resolve(file.source, in: configDirectory)
            guard let data = FileManager.default.contents(atPath: source.path) else { throw Error.missing(source.path) }
            files[file.path] = Array(data)
            change.writes["targets/\(file.path)"] = Array(data)
        }
        for path in existingFiles(in: "targets") where change.writes[path] == nil { change.deletes.insert(path) }
        change.writes["ceremony.json"] = JSONWriter.prettyPrinted(config.resolvedJSON)
        // The configuration as the workspace will read it back.
        let installed = try CeremonyConfig(bytes: change.writes["ceremony.json"]!, directory: directory)
        return (change, installed, files)
    }

    /// The files under `folder`, as paths relative to the workspace.
    func existingFiles(in folder: String) -> [String] {
        let base = directory.appendingPathComponent(folder)
        guard let enumerator = FileManager.default.enumerator(atPath: base.path) else { return [] }
        var paths: [String] = []
        for case let path as String in enumerator {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: base.appendingPathComponent(path).path, isDirectory: &isDirectory),
                !isDirectory.boolValue, !path.hasSuffix(".partial")
            {
                paths.append("\(folder)/\(path)")
            }
        }
        return paths.sorted()
    }

    var journal: WorkspaceJournal {
        WorkspaceJournal(directory: directory, transcript: transcript, faultHook: faultHook, recordState: recordState)
    }

    /// The workspace's configuration.
    public func config() throws(Error) -> CeremonyConfig {
        guard let data = FileManager.default.contents(atPath: configURL.path) else { throw .missing(configURL.path) }
        do {
            return try CeremonyConfig(bytes: Array(data), directory: directory)
        } catch {
            throw .invalid(configURL.path, error)
        }
    }

    /// Proposes what the configuration describes beyond what is published: a new root when the
    /// root changes (or `forceRoot`, to renew its expiry), new targets metadata when the targets
    /// change, their signers change (`forceTargets` renews), and the same for each delegated role.
    ///
    /// - Parameters:
    ///   - configuration: a new configuration to install first, with the folder its paths are relative to.
    ///   - replacing: whether a pending proposal that has signatures may be discarded.
    @discardableResult
    public func propose(
        configuration: (bytes: [UInt8], directory: URL)? = nil,
        holder: String,
        step: String = "propose",
        forceRoot: Bool = false,
        forceTargets: Bool = false,
        replacing: Bool = false,
        now: Date = Date()
    ) throws -> Proposal {
        try verifyRecord()
        let pending = try proposal()
        let hasSignatures =
            !(pending.root?.metadata.signatures.isEmpty ?? true) || pending.targets.values.contains { !$0.signatures.isEmpty }
        guard replacing || !hasSignatures else { throw Error.signedProposalPending }
        var change = WorkspaceJournal.Change()
        let config: CeremonyConfig
        let files: [String: [UInt8]]
        if let configuration {
            (change, config, files) = try installation(of: configuration.bytes, from: configuration.directory)
        } else {
            config = try self.config()
            files = try targetFiles(config)
        }
        let publishedRoot = try publishedRoots().last
        let publishedTargets = try self.publishedTargets()
        var root: RootProposal?
        let draftRoot = MetadataDraft.root(config, previous: publishedRoot?.signed, now: now)
        if forceRoot || publishedRoot.map({ !MetadataDraft.sameContent($0.signed, draftRoot) }) ?? true {
            root = try RootProposal(previous: publishedRoot?.signed, metadata: Metadata(signed: draftRoot))
        }
        var proposal = Proposal(root: root, targets: [:], publishedRoot: publishedRoot, publishedTargets: publishedTargets)

        let draftTargets = MetadataDraft.targets(config, previous: publishedTargets["targets"]?.signed, files: files, now: now)
        if forceTargets || needsNewVersion(of: "targets", draft: draftTargets, in: proposal) {
            proposal.targets["targets"] = Metadata(signed: draftTargets)
        }
        for delegation in config.delegations {
            let draft = MetadataDraft.delegated(
                delegation.name,
                config,
                previous: publishedTargets[delegation.name]?.signed,
                files: files,
                now: now
            )
            if forceTargets || needsNewVersion(of: delegation.name, draft: draft, in: proposal) {
                proposal.targets[delegation.name] = Metadata(signed: draft)
            }
        }
        let proposalChange = self.change(saving: proposal)
        change.writes.merge(proposalChange.writes) { _, new in new }
        change.deletes.formUnion(proposalChange.deletes)
        try journal.commit(change, step: step, holder: holder, time: now)
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

    /// The bytes of every configured target file, by target path.
    func targetFiles(_ config: CeremonyConfig) throws(Error) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for file in config.files {
            let url = targetFilesURL.appendingPathComponent(file.path)
            guard let data = FileManager.default.contents(atPath: url.path) else { throw .missing(url.path) }
            files[file.path] = Array(data)
        }
        return files
    }

    // MARK: - Reading

    /// Every published root, oldest first; they must be versions 1 to N with no gap.
    public func publishedRoots() throws(Error) -> [Metadata<Root>] {
        let versions = publishedVersions(of: "root")
        guard versions == Array(0..<versions.count).map({ $0 + 1 }) else {
            throw .gap("published roots are versions \(versions), not 1 to \(versions.count)")
        }
        var roots: [Metadata<Root>] = []
        for version in versions { roots.append(try read(publishedURL.appendingPathComponent("\(version).root.json"))) }
        return roots
    }

    /// The newest published version of the targets role and of each delegated role.
    public func publishedTargets() throws(Error) -> [String: Metadata<Targets>] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: publishedURL.path)) ?? []
        var newest: [String: Int] = [:]
        for name in names where name.hasSuffix(".json") {
            let parts = name.dropLast(".json".count).split(separator: ".", maxSplits: 1)
            guard parts.count == 2, let version = Int(parts[0]), parts[1] != "root" else { continue }
            newest[String(parts[1])] = max(newest[String(parts[1])] ?? 0, version)
        }
        var result: [String: Metadata<Targets>] = [:]
        for (role, version) in newest {
            result[role] = try read(publishedURL.appendingPathComponent("\(version).\(role).json"))
        }
        return result
    }

    func publishedVersions(of role: String) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: publishedURL.path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasSuffix(".\(role).json") else { return nil }
            return Int(name.dropLast(".\(role).json".count))
        }.sorted()
    }

    /// What is proposed, against the newest published metadata.
    public func proposal() throws -> Proposal {
        try journal.recover()
        let publishedRoot = try publishedRoots().last
        var root: RootProposal?
        var targets: [String: Metadata<Targets>] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: proposalURL.path)) ?? []
        for name in names.sorted() where name.hasSuffix(".json") {
            let url = proposalURL.appendingPathComponent(name)
            let role = String(name.dropLast(".json".count))
            if role == "root" {
                root = try RootProposal(previous: publishedRoot?.signed, metadata: try read(url))
            } else {
                targets[role] = try read(url)
            }
        }
        return Proposal(root: root, targets: targets, publishedRoot: publishedRoot, publishedTargets: try publishedTargets())
    }

    // MARK: - Recording

    /// Writes the proposal (each file atomically) and records `step` by `holder` in the
    /// transcript, after checking that the workspace is as the last step left it.
    public func save(_ proposal: Proposal, step: String, holder: String) throws {
        try save(proposal, step: step, holder: holder, verified: false)
    }

    func save(_ proposal: Proposal, step: String, holder: String, verified: Bool) throws {
        if !verified { try verifyRecord() }
        try journal.commit(change(saving: proposal), step: step, holder: holder)
    }

    /// The changes that make `proposal/` hold exactly `proposal`.
    func change(saving proposal: Proposal) -> WorkspaceJournal.Change {
        var change = WorkspaceJournal.Change()
        if let root = proposal.root { change.writes["proposal/root.json"] = root.metadata.encoded() }
        for (role, metadata) in proposal.targets { change.writes["proposal/\(role).json"] = metadata.encoded() }
        for path in existingFiles(in: "proposal") where change.writes[path] == nil { change.deletes.insert(path) }
        return change
    }

    /// Checks the transcript chain and that the workspace is what its last step left, so a file
    /// edited by hand between steps is caught.
    ///
    /// - Returns: the transcript's records.
    @discardableResult
    public func verifyRecord() throws -> [Transcript.Record] {
        try journal.recover()
        let records = try transcript.verify()
        guard let last = records.last else { return records }
        let digests = try fileDigests()
        guard Hex.encode(SHA256.hash(data: CanonicalJSON.encode(.object(digests)))) == last.metadataSHA256 else {
            let changed = changedFiles(digests, since: last)
            throw Error.gap(
                "\(changed.isEmpty ? "the workspace" : changed.joined(separator: ", ")) changed since the last recorded step (\(last.step) by \(last.holder)): edited outside the ceremony"
            )
        }
        return records
    }

    var stateURL: URL { directory.appendingPathComponent("state.json") }

    /// Records the digest of every managed file; the transcript holds the hash of this record.
    func recordState() throws -> [UInt8] {
        let bytes = CanonicalJSON.encode(.object(try fileDigests()))
        try AtomicFile.write(bytes, to: stateURL)
        return bytes
    }

    /// The SHA-256 of every file the ceremony manages: `ceremony.json` and everything under
    /// `published/`, `proposal/` and `targets/`, by relative path.
    func fileDigests() throws -> JSONObject {
        var digests = JSONObject()
        let paths = ["ceremony.json"] + ["published", "proposal", "targets"].flatMap(existingFiles(in:))
        for path in paths.sorted() {
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(path).path) else { continue }
            digests[path] = .string(Hex.encode(SHA256.hash(data: data)))
        }
        return digests
    }

    /// The files added, removed or changed since `record`, named when the state record beside
    /// the transcript is the one `record` hashed (else nothing can be named).
    func changedFiles(_ digests: JSONObject, since record: Transcript.Record) -> [String] {
        guard let data = FileManager.default.contents(atPath: stateURL.path),
            Hex.encode(SHA256.hash(data: data)) == record.metadataSHA256,
            let recorded = try? JSONParser().parse(Array(data)).objectValue
        else { return [] }
        return Set(recorded.names + digests.names).sorted().filter { recorded[$0] != digests[$0] }
    }

    // MARK: - Publishing

    /// Publishes the completed proposal into the repository folder `repository`: the root
    /// chain, targets and delegated metadata, the target files, and a new snapshot and
    /// timestamp signed by `online`. The proposal then becomes the published state.
    ///
    /// Refused when the workspace was edited outside the ceremony, when any proposed role lacks
    /// signatures, or when a client trusting any earlier root would not reach the new one.
    @discardableResult
    public func publish(to repository: URL, online: some Signer, holder: String, now: Date = Date()) throws -> Metadata<Timestamp> {
        let config = try config()
        let proposal = try readyToPublish()
        var roots = try publishedRoots()
        if let root = proposal.root { roots.append(root.metadata) }
        guard let targets = proposal.effectiveTargets("targets") else { throw Error.missing("targets metadata") }
        var delegated: [String: Metadata<Targets>] = [:]
        for delegation in config.delegations {
            guard let metadata = proposal.effectiveTargets(delegation.name) else { throw Error.missing("\(delegation.name) metadata") }
            delegated[delegation.name] = metadata
        }
        let timestamp = try RepositoryPublisher(directory: repository).publish(
            roots: roots,
            targets: targets,
            delegated: delegated,
            targetFiles: try targetFiles(config),
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
        change.deletes = Set(existingFiles(in: "proposal"))
        try journal.commit(change, step: "publish", holder: holder, time: now)
        return timestamp
    }

    /// The proposal, once the workspace is as its last step left it and every proposed role
    /// has the signatures a client needs.
    public func readyToPublish() throws -> Proposal {
        try verifyRecord()
        let proposal = try proposal()
        guard !proposal.isEmpty else { throw Proposal.Error.nothingProposed }
        let unmet = proposal.statuses.filter { !$0.isComplete }.map { status in
            var line = "\(status.role) v\(status.version) has \(status.verification.summary)"
            if let previous = status.previousRoot, !previous.isSatisfied {
                line += ", and from the previous root's keys \(previous.summary)"
            }
            return line
        }
        guard unmet.isEmpty else { throw Error.incomplete(unmet) }
        return proposal
    }

    private func read<Signed: RoleMetadata>(_ url: URL) throws(Error) -> Metadata<Signed> {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw .missing(url.path) }
        do {
            return try Metadata<Signed>(bytes: Array(data))
        } catch {
            throw .invalid(url.path, error)
        }
    }
}
