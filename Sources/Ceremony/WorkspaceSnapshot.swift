import Crypto
import Foundation
import TUF
import TUFClient

/// A workspace read once and checked: the files the ceremony manages, the transcript, and a step
/// that was committed but not finished on disk, applied in memory.
///
/// Everything a command decides is read from here, never from the folder again, so what was
/// checked is what is used. Loading writes nothing; a symbolic link or anything but plain files
/// and folders among the managed files is refused.
public struct WorkspaceSnapshot: Sendable {
    /// The managed files by path relative to the workspace, as the last recorded step (or the
    /// pending one) leaves them.
    public let files: [String: [UInt8]]
    /// The transcript's bytes, with the pending step's record.
    public let transcript: [UInt8]
    /// The transcript's records, with the pending step's record.
    public let records: [Transcript.Record]
    /// A committed step whose changes are not all on disk yet.
    let pending: WorkspaceJournal?
    /// Whether the pending step's record is already in the transcript on disk.
    var pendingIsRecorded = false

    static let folders = ["published", "proposal", "targets"]
    static let configPath = "ceremony.json"
    static let transcriptPath = "transcript.jsonl"
    static let statePath = "state.json"
    /// The largest single file a workspace may hold.
    static let fileLimit = 256 << 20

    /// Whether `path` is one of the files the ceremony manages (and records in each step).
    static func isManaged(_ path: String) -> Bool {
        guard ConfinedDirectory.isPlainRelativePath(path) else { return false }
        if path == configPath { return true }
        let parts = path.split(separator: "/", maxSplits: 1)
        return parts.count == 2 && folders.contains(String(parts[0])) && !isTemporary(path)
    }

    /// The temporary files an atomic write leaves if interrupted.
    static func isTemporary(_ path: String) -> Bool {
        let name = path.split(separator: "/").last ?? ""
        return name.hasPrefix(".") && name.hasSuffix(".partial")
    }

    /// Whether a pending step is applied in memory only.
    public var hasPendingStep: Bool { pending != nil }

    /// The SHA-256 (hex) of the transcript's last line: what the next record names as previous.
    public var headHash: String { Self.headHash(of: transcript) }

    static func headHash(of transcript: [UInt8]) -> String {
        guard let last = transcript.split(separator: UInt8(ascii: "\n")).last else { return Transcript.genesis }
        return Transcript.hash(ofLine: last)
    }

    /// The hash of every transcript line, by line number from 1, with 0 for the genesis value.
    public var lineHashes: [String: Int] {
        var hashes = [Transcript.genesis: 0]
        for (index, line) in transcript.split(separator: UInt8(ascii: "\n")).enumerated() {
            hashes[Transcript.hash(ofLine: line)] = index + 1
        }
        return hashes
    }

    // MARK: - Loading

    /// Reads and checks the workspace in `folder`.
    ///
    /// - Throws: ``CeremonyError`` of kind ``CeremonyError/Kind/missing`` when it holds no
    ///   transcript; of kind ``CeremonyError/Kind/tampered`` when the chain is broken, a file
    ///   differs from what the last step recorded or a journal does not continue the transcript.
    static func load(_ folder: ConfinedDirectory) throws -> WorkspaceSnapshot {
        let onDisk = try managedFiles(in: folder)
        let transcript = try read(transcriptPath, in: folder) ?? []
        let records = try Transcript.records(in: transcript)
        let state = try read(statePath, in: folder)
        guard let journalBytes = try read(WorkspaceJournal.fileName, in: folder) else {
            guard let last = records.last else { throw CeremonyError.notWorkspace(folder.path) }
            try requireRecordedState(onDisk, last, stateRecord: state)
            return WorkspaceSnapshot(files: onDisk, transcript: transcript, records: records, pending: nil)
        }
        let journal = try WorkspaceJournal(bytes: journalBytes)
        guard journal.record.step != "sign" || journal.record.signature != nil else {
            throw CeremonyError.altered(
                "\(WorkspaceJournal.fileName) records a sign step without a signature, and a sign step must carry the signer's signature: it was planted"
            )
        }
        if journal.record.previous == headHash(of: transcript) {
            let files = try continuation(of: onDisk, by: journal, after: records.last, stateRecord: state)
            return WorkspaceSnapshot(
                files: files,
                transcript: Transcript.appending(journal.record, to: transcript),
                records: records + [journal.record],
                pending: journal
            )
        }
        guard let last = records.last, last.line == journal.record.line else {
            throw CeremonyError.altered("\(WorkspaceJournal.fileName) does not continue the transcript: it was altered or planted")
        }
        // Recorded already: only the state record and the journal's removal were left to do.
        try requireRecordedState(onDisk, last, stateRecord: nil)
        return WorkspaceSnapshot(files: onDisk, transcript: transcript, records: records, pending: journal, pendingIsRecorded: true)
    }

    /// The files as `journal` leaves them, once every file on disk is shown to be as the last
    /// record (`last`, whose state record is `stateRecord`) left it or as the journal makes it.
    static func continuation(
        of onDisk: [String: [UInt8]],
        by journal: WorkspaceJournal,
        after last: Transcript.Record?,
        stateRecord: [UInt8]?
    ) throws -> [String: [UInt8]] {
        let before: [String: String]
        if let last {
            guard let stateRecord, Hex.encode(SHA256.hash(data: stateRecord)) == last.metadataSHA256,
                let recorded = digests(inStateRecord: stateRecord)
            else {
                throw CeremonyError.altered(
                    "\(statePath) does not match the transcript, so the interrupted step in \(WorkspaceJournal.fileName) cannot be shown to follow it"
                )
            }
            before = recorded
        } else {
            before = [:]
        }
        let paths = Set(before.keys).union(onDisk.keys).union(journal.change.writes.keys).union(journal.change.deletes)
        for path in paths.sorted() {
            let current = onDisk[path].map(digest)
            let (touched, after) = journal.effect(on: path)
            guard current == before[path] || (touched && current == after.map(digest)) else {
                throw CeremonyError.altered(
                    "\(path) is neither as the last recorded step left it nor as the interrupted step in \(WorkspaceJournal.fileName) makes it: edited outside the ceremony"
                )
            }
        }
        let files = journal.change.applied(to: onDisk)
        guard Hex.encode(SHA256.hash(data: Self.stateRecord(of: files))) == journal.record.metadataSHA256 else {
            throw CeremonyError.altered("\(WorkspaceJournal.fileName) records a state its changes do not produce: it was altered")
        }
        return files
    }

    /// Refuses files that are not the state `record` hashed; names the changed files when the
    /// state record beside the transcript is the one `record` hashed.
    static func requireRecordedState(_ files: [String: [UInt8]], _ record: Transcript.Record, stateRecord: [UInt8]?) throws {
        let current = Self.stateRecord(of: files)
        guard Hex.encode(SHA256.hash(data: current)) != record.metadataSHA256 else { return }
        var changed: [String] = []
        if let stateRecord, Hex.encode(SHA256.hash(data: stateRecord)) == record.metadataSHA256,
            let recorded = digests(inStateRecord: stateRecord)
        {
            let now = files.mapValues(digest)
            changed = Set(recorded.keys).union(now.keys).sorted().filter { recorded[$0] != now[$0] }
        }
        throw CeremonyError.altered(
            "\(changed.isEmpty ? "the workspace" : changed.joined(separator: ", ")) changed since the last recorded step (\(record.step) by \(record.holder)): edited outside the ceremony"
        )
    }

    /// The managed files in `folder`, read once each, without following links.
    static func managedFiles(in folder: ConfinedDirectory) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        var paths = try folders.flatMap { name throws(ConfinedDirectory.Error) in try folder.files(under: name) }
        paths.append(configPath)
        for path in paths where !isTemporary(path) {
            if let bytes = try read(path, in: folder) { files[path] = bytes }
        }
        return files
    }

    static func read(_ path: String, in folder: ConfinedDirectory) throws -> [UInt8]? {
        do {
            return try folder.read(path, limit: path == WorkspaceJournal.fileName ? WorkspaceJournal.sizeLimit : fileLimit)
        } catch {
            throw CeremonyError(error)
        }
    }

    /// The state record of `files`: the canonical JSON of each file's SHA-256 by path, which
    /// each transcript record hashes.
    static func stateRecord(of files: [String: [UInt8]]) -> [UInt8] {
        var object = JSONObject()
        for (path, bytes) in files { object[path] = .string(digest(bytes)) }
        return CanonicalJSON.encode(.object(object))
    }

    static func digests(inStateRecord bytes: [UInt8]) -> [String: String]? {
        guard let object = try? JSONParser().parse(bytes).objectValue else { return nil }
        var digests: [String: String] = [:]
        for (path, value) in object.members {
            guard let digest = value.stringValue else { return nil }
            digests[path] = digest
        }
        return digests
    }

    static func digest(_ bytes: [UInt8]) -> String { Hex.encode(SHA256.hash(data: bytes)) }

    // MARK: - Reading the workspace

    /// The managed files under `folder`, sorted.
    func paths(in folder: String) -> [String] {
        files.keys.filter { $0.hasPrefix("\(folder)/") }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The workspace's configuration; file paths in it are relative to `directory`.
    public func config(directory: URL) throws(CeremonyError) -> CeremonyConfig {
        guard let bytes = files[Self.configPath] else { throw .missingFile(Self.configPath) }
        do {
            return try CeremonyConfig(bytes: bytes, directory: directory)
        } catch {
            throw .invalid(Self.configPath, error)
        }
    }

    /// The bytes of every configured target file, by target path.
    func targetFiles(_ config: CeremonyConfig) throws(CeremonyError) -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for file in config.files {
            guard let bytes = files["targets/\(file.path)"] else { throw .missingFile("targets/\(file.path)") }
            result[file.path] = bytes
        }
        return result
    }

    /// Every published root, oldest first; they must be versions 1 to N with no gap.
    func publishedRoots() throws(CeremonyError) -> [Metadata<Root>] {
        let versions = publishedVersions(of: "root")
        guard versions == Array(0..<versions.count).map({ $0 + 1 }) else {
            throw .altered("published roots are versions \(versions), not 1 to \(versions.count)")
        }
        var roots: [Metadata<Root>] = []
        for version in versions { roots.append(try metadata("published/\(version).root.json")) }
        return roots
    }

    /// The newest published version of the targets role and of each delegated role.
    func publishedTargets() throws(CeremonyError) -> [String: Metadata<Targets>] {
        var newest: [String: Int] = [:]
        for path in paths(in: "published") where path.hasSuffix(".json") {
            let name = path.dropFirst("published/".count).dropLast(".json".count)
            let parts = name.split(separator: ".", maxSplits: 1)
            guard parts.count == 2, let version = Int(parts[0]), version > 0, parts[1] != "root" else { continue }
            newest[String(parts[1])] = max(newest[String(parts[1])] ?? 0, version)
        }
        var result: [String: Metadata<Targets>] = [:]
        for (role, version) in newest { result[role] = try metadata("published/\(version).\(role).json") }
        return result
    }

    func publishedVersions(of role: String) -> [Int] {
        paths(in: "published").compactMap { path -> Int? in
            guard path.hasSuffix(".\(role).json") else { return nil }
            return Int(path.dropFirst("published/".count).dropLast(".\(role).json".count))
        }.sorted()
    }

    /// What is proposed, against the newest published metadata.
    public func proposal() throws(CeremonyError) -> Proposal {
        do {
            let publishedRoot = try publishedRoots().last
            var root: RootProposal?
            var targets: [String: Metadata<Targets>] = [:]
            for path in paths(in: "proposal") where path.hasSuffix(".json") {
                let role = String(path.dropFirst("proposal/".count).dropLast(".json".count))
                if role == "root" {
                    root = try RootProposal(previous: publishedRoot?.signed, metadata: try metadata(path))
                } else {
                    targets[role] = try metadata(path)
                }
            }
            return Proposal(root: root, targets: targets, publishedRoot: publishedRoot, publishedTargets: try publishedTargets())
        } catch {
            throw CeremonyError(error)
        }
    }

    private func metadata<Signed: RoleMetadata>(_ path: String) throws(CeremonyError) -> Metadata<Signed> {
        guard let bytes = files[path] else { throw .missingFile(path) }
        do {
            return try Metadata<Signed>(bytes: bytes)
        } catch {
            throw .invalid(path, error)
        }
    }
}
