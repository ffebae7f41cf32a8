import Crypto
import Foundation
import TUF
import TUFClient

/// Makes each ceremony step all-or-nothing: the step's file changes and its transcript record
/// are first written as one journal file (one atomic rename is the commit point), then applied.
/// A step interrupted before the commit changed nothing; one interrupted after it is finished
/// by ``recover()``, the next time the workspace is opened. Either way the workspace verifies
/// and no collected signature is lost.
struct WorkspaceJournal {
    /// The files a step writes and removes, by path relative to the workspace.
    struct Change {
        var writes: [String: [UInt8]] = [:]
        var deletes: Set<String> = []
    }

    let directory: URL
    let transcript: Transcript
    /// Called before each file operation while a journal is applied, with what is about to be
    /// done; tests make it throw to stop a step part-way, as a crash would.
    let faultHook: (@Sendable (String) throws -> Void)?
    /// Computes and stores the workspace's state record once the files are in place.
    let recordState: () throws -> [UInt8]

    var url: URL { directory.appendingPathComponent("journal.json") }

    /// Commits `change` and the transcript record of `step` by `holder`, then applies them.
    func commit(_ change: Change, step: String, holder: String, time: Date = Date()) throws {
        var writes = JSONObject()
        for (path, bytes) in change.writes.sorted(by: { $0.key < $1.key }) {
            guard CeremonyConfig.isSafeRelativePath(path) else {
                throw Workspace.Error.gap("refusing to write outside the workspace: \(path)")
            }
            writes[path] = .string(Hex.encode(bytes))
        }
        var journal = JSONObject()
        journal["writes"] = .object(writes)
        journal["deletes"] = .array(change.deletes.sorted().map { .string($0) })
        journal["step"] = .string(step)
        journal["holder"] = .string(holder)
        journal["time"] = .string(MetadataDate.format(time))
        journal["previous"] = .string(transcript.headHash())
        try faultHook?("commit journal")
        try AtomicFile.write(CanonicalJSON.encode(.object(journal)), to: url)
        try apply()
    }

    /// Finishes a committed step that was interrupted, if there is one.
    func recover() throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        try apply()
    }

    private func apply() throws {
        guard let data = FileManager.default.contents(atPath: url.path),
            let journal = try? JSONParser().parse(Array(data)).objectValue,
            let writes = journal["writes"]?.objectValue, let deletes = journal["deletes"]?.arrayValue,
            let step = journal["step"]?.stringValue, let holder = journal["holder"]?.stringValue,
            let time = journal["time"]?.stringValue.flatMap(MetadataDate.parse), let previous = journal["previous"]?.stringValue
        else { throw Workspace.Error.gap("journal.json is not a journal this tool wrote: it was altered") }
        for (path, hex) in writes.members {
            guard CeremonyConfig.isSafeRelativePath(path), let bytes = hex.stringValue.flatMap(Hex.decode) else {
                throw Workspace.Error.gap("journal.json is not a journal this tool wrote: it was altered")
            }
            try faultHook?("write \(path)")
            let target = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try AtomicFile.write(bytes, to: target)
        }
        for path in deletes.compactMap(\.stringValue) where CeremonyConfig.isSafeRelativePath(path) {
            let target = directory.appendingPathComponent(path)
            guard FileManager.default.fileExists(atPath: target.path) else { continue }
            try faultHook?("remove \(path)")
            try AtomicFile.remove(target)
        }
        try faultHook?("record \(step)")
        let state = try recordState()
        let records = try transcript.verify()
        if transcript.headHash() == previous {
            try transcript.append(step: step, holder: holder, metadata: state, time: time)
        } else if !(records.last.map { $0.previous == previous && $0.step == step && $0.holder == holder } ?? false) {
            throw Workspace.Error.gap("journal.json does not follow the transcript's last record")
        }
        try faultHook?("finish \(step)")
        try AtomicFile.remove(url)
    }
}
