import TUF

/// A transparency log's checkpoint (C2SP tlog-checkpoint): a signed note whose text is the log's
/// origin, its tree size, its base64 root hash, and optional extension lines.
public struct Checkpoint: Sendable, Equatable {
    /// The signed note the checkpoint was read from.
    public var note: SignedNote
    /// The log's origin line.
    public var origin: String
    /// The tree size.
    public var treeSize: Int64
    /// The root hash.
    public var rootHash: [UInt8]
    /// The lines after the root hash, without their newlines.
    public var extensionLines: [String]

    /// Reads a checkpoint; anything not in the checkpoint format is ``LogError/Kind/malformed``.
    public init(_ bytes: [UInt8]) throws(LogError) {
        try self.init(note: try SignedNote(bytes))
    }

    /// Reads a checkpoint from its text.
    public init(_ envelope: String) throws(LogError) {
        try self.init(Array(envelope.utf8))
    }

    /// Reads the checkpoint that `note`'s text holds.
    public init(note: SignedNote) throws(LogError) {
        self.note = note
        let lines = note.text.dropLast().split(separator: 10, omittingEmptySubsequences: false)
        guard lines.count >= 3, !lines[0].isEmpty else {
            throw LogError(.malformed, "the checkpoint needs an origin, a tree size and a root hash")
        }
        origin = String(decoding: lines[0], as: UTF8.self)
        let sizeLine = String(decoding: lines[1], as: UTF8.self)
        guard let size = Int64(sizeLine), size >= 0, String(size) == sizeLine else {
            throw LogError(.malformed, "the tree size line \"\(sizeLine)\" is not a number")
        }
        treeSize = size
        guard let hash = lines[2].withUnsafeBufferPointer({ Base64.decodeNotingForm($0) }), hash.isStandard, hash.bytes.count == 32
        else { throw LogError(.malformed, "the root hash line is not a base64 SHA-256 hash") }
        rootHash = hash.bytes
        extensionLines = lines.dropFirst(3).map { String(decoding: $0, as: UTF8.self) }
        guard !extensionLines.contains(where: \.isEmpty) else { throw LogError(.malformed, "the checkpoint has an empty line") }
    }

    /// The signed text: every line up to the blank line, each with its newline.
    public var text: [UInt8] { note.text }

    /// The signature lines.
    public var signatures: [SignedNote.Signature] { note.signatures }

    /// Checks that `verifier` signed the checkpoint: some line carries its name (when it has one)
    /// and key hash, with a signature that verifies over the text.
    public func verify(by verifier: some NoteVerifier) throws(LogError) {
        let candidates = signatures.filter { $0.keyHash == verifier.keyHash && (verifier.name == nil || $0.name == verifier.name) }
        guard !candidates.isEmpty else {
            throw LogError(
                .unverified,
                "no signature on the checkpoint of \(origin) carries the log's key hash \(Hex.encode(verifier.keyHash))"
            )
        }
        guard !note.verifiedSignatures(by: verifier).isEmpty else {
            throw LogError(.unverified, "the log's signature over the checkpoint of \(origin) does not verify")
        }
    }

    /// Checks that one of `keys`, a log's keys, signed the checkpoint; `location` names where it
    /// came from.
    public func verify(byOneOf keys: [any NoteVerifier], location: String? = nil) throws(LogError) {
        guard keys.contains(where: { !note.verifiedSignatures(by: $0).isEmpty }) else {
            throw LogError(.unverified, "the checkpoint of \(origin) is not signed by a key the trusted root gives this log", at: location)
        }
    }

    /// Equality of the note's content (signatures aside).
    public static func == (lhs: Checkpoint, rhs: Checkpoint) -> Bool { lhs.text == rhs.text }
}
