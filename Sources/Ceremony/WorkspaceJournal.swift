import Crypto
import Foundation
import TUF
import TUFClient

/// One committed ceremony step: the files it writes and removes, and the exact transcript record
/// it adds. The journal file is written first (its atomic rename is the commit point), then its
/// changes are applied; a step interrupted after the commit is finished by the next command that
/// writes to the workspace, and read-only commands see the workspace as if it were finished.
///
/// A journal is accepted only as the continuation of the verified transcript: its record names
/// the transcript's last line as previous (or is that line), its record's state digest is the
/// workspace with its changes applied, and every file on disk is either as the last recorded
/// step left it or as the journal makes it (see ``WorkspaceSnapshot``).
struct WorkspaceJournal: Sendable, Equatable {
    /// The files a step writes and removes, by path relative to the workspace.
    struct Change: Sendable, Equatable {
        var writes: [String: [UInt8]] = [:]
        var deletes: Set<String> = []

        /// `files` with the change applied.
        func applied(to files: [String: [UInt8]]) -> [String: [UInt8]] {
            var result = files
            for path in deletes { result[path] = nil }
            result.merge(writes) { _, new in new }
            return result
        }
    }

    static let fileName = "journal.json"
    static let sizeLimit = 1 << 30

    /// What the step changes.
    var change: Change
    /// The record the step adds to the transcript.
    var record: Transcript.Record

    init(change: Change, record: Transcript.Record) {
        self.change = change
        self.record = record
    }

    /// The journal as its file holds it: canonical JSON.
    var bytes: [UInt8] {
        var writes = JSONObject()
        for (path, bytes) in change.writes { writes[path] = .string(Hex.encode(bytes)) }
        var journal = JSONObject()
        journal["record"] = .string(String(decoding: record.line, as: UTF8.self))
        journal["writes"] = .object(writes)
        journal["deletes"] = .array(change.deletes.sorted().map { .string($0) })
        return CanonicalJSON.encode(.object(journal))
    }

    /// The journal in a journal file's `bytes`.
    ///
    /// - Throws: when the file is not a journal this tool writes, or names a path the
    ///   ceremony does not manage.
    init(bytes: [UInt8]) throws(CeremonyError) {
        let altered = CeremonyError.altered("\(Self.fileName) is not a journal this tool wrote: it was altered")
        guard let object = try? JSONParser().parse(bytes).objectValue,
            Set(object.names) == ["record", "writes", "deletes"],
            let line = object["record"]?.stringValue, let record = Transcript.Record(line: Array(line.utf8)),
            let writeMembers = object["writes"]?.objectValue?.members, let deleteValues = object["deletes"]?.arrayValue
        else { throw altered }
        var change = Change()
        for (path, hex) in writeMembers {
            guard let bytes = hex.stringValue.flatMap(Hex.decode) else { throw altered }
            change.writes[path] = bytes
        }
        for value in deleteValues {
            guard let path = value.stringValue, change.writes[path] == nil, change.deletes.insert(path).inserted else { throw altered }
        }
        try Self.requireManaged(change)
        self.init(change: change, record: record)
    }

    /// Refuses a change that touches anything but the files the ceremony manages.
    static func requireManaged(_ change: Change) throws(CeremonyError) {
        for path in Array(change.writes.keys) + change.deletes where !WorkspaceSnapshot.isManaged(path) {
            throw .unmanagedPath(path)
        }
    }

    /// Whether the step changes `path`, and to what (`nil` bytes: removes it).
    func effect(on path: String) -> (touched: Bool, bytes: [UInt8]?) {
        if let bytes = change.writes[path] { return (true, bytes) }
        return (change.deletes.contains(path), nil)
    }
}
