import Foundation
import TUF

/// Who vouches for which part of a workspace's transcript.
///
/// Records are hash-chained, so anyone holding the folder can rewrite the whole chain; two things
/// cannot be forged without keys: a `sign` record carries the signature of the key that signed
/// (checked here against the keys the ceremony's metadata and configuration list), and every
/// proposed root and targets metadata names the transcript's head when it was proposed (the
/// ``Workspace/transcriptHeadField``), so the holders who sign it vouch for the record up to that line.
public struct TranscriptAudit: Sendable {
    /// One record and the key that signed it, if any.
    public struct Entry: Sendable {
        /// The line number, from 1.
        public let line: Int
        /// The record.
        public let record: Transcript.Record
        /// The id of the key whose valid signature the record carries, and that key's holder if known.
        public let signer: (keyID: String, holder: String?)?
    }

    /// Metadata that names a transcript line as the head it was proposed at.
    public struct Anchor: Sendable {
        /// The metadata file, relative to the workspace.
        public let path: String
        /// The line it names; 0 for the empty transcript.
        public let line: Int
    }

    /// Every record, in order.
    public let entries: [Entry]
    /// Every proposed or published metadata file that names a head, by path.
    public let anchors: [Anchor]

    /// Audits `snapshot`'s transcript.
    ///
    /// - Throws: ``CeremonyError`` of kind ``CeremonyError/Kind/tampered`` when a record's signature does not verify or is by
    ///   a key the ceremony does not know, or metadata names a head that is not in the transcript.
    public init(_ snapshot: WorkspaceSnapshot) throws(CeremonyError) {
        do {
            let keys = Self.knownKeys(snapshot)
            var entries: [Entry] = []
            for (index, record) in snapshot.records.enumerated() {
                guard let signature = record.signature else {
                    entries.append(Entry(line: index + 1, record: record, signer: nil))
                    continue
                }
                guard let key = keys[signature.keyID], record.isSigned(by: key) else {
                    throw CeremonyError.altered(
                        "transcript line \(index + 1) (\(record.step) by \(record.holder)): its signature is not by key \(signature.keyID) of this ceremony: the transcript was altered"
                    )
                }
                let holder = key.owner
                entries.append(Entry(line: index + 1, record: record, signer: (signature.keyID, holder)))
            }
            let lines = snapshot.lineHashes
            var anchors: [Anchor] = []
            for path in (snapshot.paths(in: "proposal") + snapshot.paths(in: "published")) where path.hasSuffix(".json") {
                guard let object = try? JSONParser().parse(snapshot.files[path]!).objectValue,
                    let head = object["signed"]?.objectValue?[Workspace.transcriptHeadField]
                else { continue }
                guard let hash = head.stringValue, let line = lines[hash] else {
                    throw CeremonyError.altered(
                        "\(path) was proposed at a transcript head that is not in this transcript: the transcript was rewritten"
                    )
                }
                anchors.append(Anchor(path: path, line: line))
            }
            self.entries = entries
            self.anchors = anchors
        } catch {
            throw CeremonyError(error)
        }
    }

    /// Every key the ceremony's configuration and metadata list, by the ids they are listed under.
    static func knownKeys(_ snapshot: WorkspaceSnapshot) -> [String: Key] {
        var keys: [String: Key] = [:]
        func add(_ listed: [String: Key]) { keys.merge(listed) { old, _ in old } }
        for path in snapshot.paths(in: "published") + snapshot.paths(in: "proposal") {
            guard let bytes = snapshot.files[path] else { continue }
            if path.hasSuffix("root.json"), let root = try? Metadata<Root>(bytes: bytes) {
                add(root.signed.keys)
            } else if let targets = try? Metadata<Targets>(bytes: bytes), let delegations = targets.signed.delegations {
                add(delegations.keys)
            }
        }
        if let config = try? snapshot.config(directory: URL(fileURLWithPath: "/")) {
            for holder in config.holders {
                var key = holder.key
                key.unrecognizedFields[MetadataDraft.ownerField] = key.unrecognizedFields[MetadataDraft.ownerField] ?? .string(holder.name)
                keys[holder.key.keyID] = keys[holder.key.keyID] ?? key
            }
        }
        return keys
    }
}
