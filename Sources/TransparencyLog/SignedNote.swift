import TUF

/// A C2SP signed note: a text of newline-terminated lines, a blank line, then one line per
/// signature, `— NAME BASE64(KEY_HASH ‖ SIGNATURE)`.
///
/// Reading a note checks its form only; ``verifiedSignatures(by:)`` says which signatures hold.
public struct SignedNote: Sendable, Equatable {
    /// One signature line.
    public struct Signature: Sendable, Equatable {
        /// The signer's name.
        public var name: String
        /// The first four bytes of the signer's key hash, which picks the key to try.
        public var keyHash: [UInt8]
        /// The signature bytes after the key hash.
        public var signature: [UInt8]
    }

    /// The most signature lines a note may carry; a note with more is refused rather than
    /// tried signature by signature.
    public static let maximumSignatures = 100

    /// The signed text: every line up to the blank line, each with its newline.
    public var text: [UInt8]
    /// The signature lines, in order.
    public var signatures: [Signature]

    /// Reads a note; anything not in the signed-note format is ``LogError/Kind/malformed``.
    public init(_ bytes: [UInt8]) throws(LogError) {
        guard let split = Self.blankLine(bytes) else {
            throw LogError(.malformed, "no blank line between the note and its signatures")
        }
        text = Array(bytes[..<(split + 1)])
        // The note may hold no control character but its newlines; its lines and fields are split
        // on bytes, as the format defines them.
        guard !text.contains(where: { $0 < 0x20 && $0 != 10 || $0 == 0x7F }) else {
            throw LogError(.malformed, "the note holds a control character")
        }
        guard String(validating: text, as: UTF8.self) != nil else {
            throw LogError(.malformed, "the note is not UTF-8")
        }
        let rest = bytes[(split + 2)...]
        guard rest.last == 10 else { throw LogError(.malformed, "the last signature line does not end with a newline") }
        signatures = []
        for line in rest.dropLast().split(separator: 10, omittingEmptySubsequences: false) {
            guard signatures.count < Self.maximumSignatures else {
                throw LogError(.malformed, "the note has more than \(Self.maximumSignatures) signatures")
            }
            signatures.append(try Self.signature(line))
        }
        guard !signatures.isEmpty else { throw LogError(.malformed, "the note has no signature") }
    }

    /// Reads one signature line.
    static func signature(_ line: ArraySlice<UInt8>) throws(LogError) -> Signature {
        let emDash: [UInt8] = [0xE2, 0x80, 0x94]
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].elementsEqual(emDash), !parts[1].isEmpty,
            !parts[1].contains(where: { $0 < 0x21 || $0 == 0x2B || $0 == 0x7F }),
            let name = String(validating: parts[1], as: UTF8.self),
            let decoded = parts[2].withUnsafeBufferPointer({ Base64.decodeNotingForm($0) }), decoded.isStandard,
            decoded.bytes.count > 4
        else {
            throw LogError(.malformed, "malformed signature line \"\(String(decoding: line, as: UTF8.self))\"")
        }
        return Signature(name: name, keyHash: Array(decoded.bytes.prefix(4)), signature: Array(decoded.bytes.dropFirst(4)))
    }

    /// The index of the first newline of the first "\n\n".
    static func blankLine(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        for index in 0..<(bytes.count - 1) where bytes[index] == 10 && bytes[index + 1] == 10 { return index }
        return nil
    }

    /// The signatures that `verifier` accepts: those with its name and key hash whose signature
    /// verifies over the text.
    public func verifiedSignatures(by verifier: some NoteVerifier) -> [Signature] {
        signatures.filter {
            (verifier.name == nil || $0.name == verifier.name) && $0.keyHash == verifier.keyHash
                && verifier.isValidSignature($0.signature, for: text)
        }
    }

    /// The note as it is written: text, blank line, signature lines.
    public var bytes: [UInt8] {
        var bytes = text + [10]
        for signature in signatures {
            bytes += Array("— \(signature.name) ".utf8)
            bytes += Base64.encode(signature.keyHash + signature.signature)
            bytes.append(10)
        }
        return bytes
    }
}
