import Foundation
import TUF
import TUFClient

/// Writes ceremony steps into a workspace: a step's journal first (the commit point), then its
/// files, its transcript record and the state record, each file atomically and through the
/// workspace folder's descriptor, never through a link.
struct WorkspaceWriter {
    let workspace: Workspace

    /// Commits `change` as `step` by `holder` on top of `snapshot` (the workspace as read and
    /// checked), finishing an interrupted step first.
    func commit(
        _ change: WorkspaceJournal.Change,
        step: String,
        holder: String,
        time: Date,
        signer: (any Signer, keyID: String)?,
        on snapshot: WorkspaceSnapshot
    ) throws {
        try WorkspaceJournal.requireManaged(change)
        guard step != "sign" || signer != nil else { throw CeremonyError.unsignedSignStep }
        if snapshot.pending != nil { try finish(snapshot) }
        let files = change.applied(to: snapshot.files)
        var record = Transcript.Record(
            step: step,
            holder: holder,
            metadataSHA256: WorkspaceSnapshot.digest(WorkspaceSnapshot.stateRecord(of: files)),
            time: time,
            previous: snapshot.headHash
        )
        if let (signer, keyID) = signer { try record.sign(with: signer, keyID: keyID) }
        let committed = WorkspaceJournal(change: change, record: record)
        let folder = try self.folder()
        try workspace.faultHook?("commit journal")
        try write(committed.bytes, to: WorkspaceJournal.fileName, in: folder)
        try apply(committed, files: files, transcript: Transcript.appending(record, to: snapshot.transcript), recorded: false, in: folder)
    }

    /// Finishes the interrupted step `snapshot` holds.
    func finish(_ snapshot: WorkspaceSnapshot) throws {
        guard let journal = snapshot.pending else { return }
        try apply(journal, files: snapshot.files, transcript: snapshot.transcript, recorded: snapshot.pendingIsRecorded, in: try folder())
    }

    /// Writes what `journal` changes, then `transcript` (unless `recorded`), the state record of
    /// `files`, and removes the journal.
    private func apply(
        _ journal: WorkspaceJournal,
        files: [String: [UInt8]],
        transcript: [UInt8],
        recorded: Bool,
        in folder: ConfinedDirectory
    ) throws {
        for (path, bytes) in journal.change.writes.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            try workspace.faultHook?("write \(path)")
            try write(bytes, to: path, in: folder)
        }
        for path in journal.change.deletes.sorted() {
            try workspace.faultHook?("remove \(path)")
            try remove(path, in: folder)
        }
        try workspace.faultHook?("record \(journal.record.step)")
        if !recorded { try write(transcript, to: WorkspaceSnapshot.transcriptPath, in: folder) }
        try write(WorkspaceSnapshot.stateRecord(of: files), to: WorkspaceSnapshot.statePath, in: folder)
        try workspace.faultHook?("finish \(journal.record.step)")
        try remove(WorkspaceJournal.fileName, in: folder)
    }

    private func folder() throws -> ConfinedDirectory {
        do {
            return try ConfinedDirectory.create(workspace.directory.path)
        } catch {
            throw CeremonyError(error)
        }
    }

    private func write(_ bytes: [UInt8], to path: String, in folder: ConfinedDirectory) throws {
        do {
            try folder.write(bytes, to: path)
        } catch {
            throw CeremonyError(error)
        }
    }

    private func remove(_ path: String, in folder: ConfinedDirectory) throws {
        do {
            try folder.remove(path)
        } catch {
            throw CeremonyError(error)
        }
    }
}
