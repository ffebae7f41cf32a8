import Foundation
import TUF

/// A transparency log's checkpoint: a signed note (origin, tree size, root hash, optional
/// extension lines; then signature lines `— NAME BASE64(KEY_HINT ‖ SIGNATURE)`).
public struct Checkpoint: Sendable, Equatable {
    /// The log's origin line.
    public var origin: String
    /// The tree size.
    public var treeSize: Int64
    /// The root hash.
    public var rootHash: [UInt8]
    /// The signed text: every line up to the blank line, each with its newline.
    public var text: [UInt8]
    /// The signature lines: signer name, 4-byte key hint, signature.
    public var signatures: [(name: String, keyHint: [UInt8], signature: [UInt8])]

    /// Reads a checkpoint; anything not in the note format is an error.
    public init(_ envelope: String) throws(VerificationError) {
        let bytes = Array(envelope.utf8)
        guard let split = Self.blankLine(bytes) else {
            throw VerificationError(.checkpoint, "no blank line between the note and its signatures")
        }
        text = Array(bytes[..<(split + 1)])
        // Lines and fields are split on bytes, as the signed-note format defines them (and as
        // Go's reader does); the note may hold no control character but its newlines.
        guard !text.contains(where: { $0 < 0x20 && $0 != 10 }) else {
            throw VerificationError(.checkpoint, "the note holds a control character")
        }
        let lines = text.dropLast().split(separator: 10, omittingEmptySubsequences: false)
        guard lines.count >= 3, !lines[0].isEmpty else {
            throw VerificationError(.checkpoint, "the note needs an origin, a tree size and a root hash")
        }
        origin = String(decoding: lines[0], as: UTF8.self)
        let sizeLine = String(decoding: lines[1], as: UTF8.self)
        guard let size = Int64(sizeLine), size >= 0, String(size) == sizeLine else {
            throw VerificationError(.checkpoint, "the tree size line \"\(sizeLine)\" is not a number")
        }
        treeSize = size
        guard let hash = lines[2].withUnsafeBufferPointer({ Base64.decode($0) }), hash.count == 32 else {
            throw VerificationError(.checkpoint, "the root hash line is not a base64 SHA-256 hash")
        }
        rootHash = hash
        signatures = []
        let emDash: [UInt8] = [0xE2, 0x80, 0x94]
        for line in bytes[(split + 2)...].split(separator: 10, omittingEmptySubsequences: true) {
            let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].elementsEqual(emDash), !parts[1].isEmpty,
                let decoded = parts[2].withUnsafeBufferPointer({ Base64.decode($0) }), decoded.count > 4
            else { throw VerificationError(.checkpoint, "malformed signature line \"\(String(decoding: line, as: UTF8.self))\"") }
            signatures.append((String(decoding: parts[1], as: UTF8.self), Array(decoded.prefix(4)), Array(decoded.dropFirst(4))))
        }
        guard !signatures.isEmpty else { throw VerificationError(.checkpoint, "the checkpoint has no signature") }
    }

    /// The index of the first newline of the first "\n\n".
    static func blankLine(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        for index in 0..<(bytes.count - 1) where bytes[index] == 10 && bytes[index + 1] == 10 { return index }
        return nil
    }

    /// Checks that `log` signed the checkpoint: some signature line carries the log's key hint
    /// (the first four bytes of its id) and a valid signature over the note text.
    public func verify(by log: TrustedRoot.Log) throws(VerificationError) {
        let hint = Array(log.logID.prefix(4))
        let candidates = signatures.filter { $0.keyHint == hint }
        guard !candidates.isEmpty else {
            throw VerificationError(.checkpoint, "no signature carries the key hint of the log \(log.baseURL)")
        }
        guard candidates.contains(where: { log.key.isValidSignature($0.signature, for: text) }) else {
            throw VerificationError(.checkpoint, "the log's signature over the checkpoint does not verify")
        }
    }

    /// Equality of the note's content (signatures aside).
    public static func == (lhs: Checkpoint, rhs: Checkpoint) -> Bool { lhs.text == rhs.text }
}
