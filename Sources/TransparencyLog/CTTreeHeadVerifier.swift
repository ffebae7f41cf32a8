import Crypto
import TUF

/// An RFC 6962 CT log's key as a note verifier: the C2SP static-ct-api `RFC6962NoteSignature`
/// (signature type 0x05), a tree head signature and its timestamp, over the checkpoint's size
/// and root hash.
///
/// An RFC 6962 `get-sth` answer becomes a checkpoint with such a line, so CT logs, tiled or not,
/// are read and kept like every other log.
public struct CTTreeHeadVerifier: NoteVerifier {
    /// A check of a DER signature over a message with the log's key.
    public typealias SignatureCheck = @Sendable (_ signature: [UInt8], _ message: [UInt8]) -> Bool

    /// The checkpoint origin the log signs under (its submission prefix without the scheme).
    public let name: String?
    /// The C2SP key hash: SHA-256 of the name, a newline, 0x05 and the log id, first four bytes.
    public let keyHash: [UInt8]
    /// The log id: the SHA-256 of the log key's DER SubjectPublicKeyInfo.
    public let logID: [UInt8]
    let check: SignatureCheck

    /// The verifier for the log `logID` under `origin`, whose signatures `check` verifies.
    public init(origin: String, logID: [UInt8], check: @escaping SignatureCheck) {
        name = origin
        self.logID = logID
        keyHash = Self.keyHash(name: origin, type: 0x05, key: logID)
        self.check = check
    }

    /// The verifier for a P-256 or P-384 log key given as DER SubjectPublicKeyInfo.
    public init(origin: String, derPublicKey der: [UInt8]) throws(LogError) {
        let key = try ECDSANoteVerifier(derPublicKey: der)
        self.init(origin: origin, logID: Array(SHA256.hash(data: der))) { key.isValidSignature($0, for: $1) }
    }

    /// Whether `signature`, a timestamp and an RFC 6962 digitally-signed tree head signature,
    /// signs the size and root hash of the checkpoint `text`.
    public func isValidSignature(_ signature: [UInt8], for text: [UInt8]) -> Bool {
        guard let (timestamp, signed) = Self.split(signature), let head = Self.treeHead(text) else { return false }
        return check(signed, Self.signedData(timestamp: timestamp, treeSize: head.size, rootHash: head.root))
    }

    /// The timestamp and the DER signature of an `RFC6962NoteSignature`, which must be whole:
    /// an eight-byte timestamp, the hash and signature algorithms, a two-byte length and the
    /// signature.
    static func split(_ signature: [UInt8]) -> (UInt64, [UInt8])? {
        guard signature.count >= 12 else { return nil }
        let timestamp = signature[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let length = Int(signature[10]) << 8 | Int(signature[11])
        guard signature.count == 12 + length, signature[8] == 4 else { return nil }
        return (timestamp, Array(signature[12...]))
    }

    /// What an RFC 6962 tree head signature covers: version 0, signature type tree_hash (1),
    /// the timestamp, the size and the root hash.
    public static func signedData(timestamp: UInt64, treeSize: UInt64, rootHash: [UInt8]) -> [UInt8] {
        var data: [UInt8] = [0, 1]
        data.reserveCapacity(50)
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: timestamp >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: treeSize >> UInt64(shift))) }
        return data + rootHash
    }

    /// The size and root hash of a checkpoint text with no extension lines, as static-ct-api
    /// requires of a checkpoint with this signature.
    static func treeHead(_ text: [UInt8]) -> (size: UInt64, root: [UInt8])? {
        let lines = text.split(separator: 0x0A, omittingEmptySubsequences: false)
        guard lines.count == 4, lines[3].isEmpty, let size = UInt64(String(decoding: lines[1], as: UTF8.self)),
            let root = Base64.decode(String(decoding: lines[2], as: UTF8.self)), root.count == 32
        else { return nil }
        return (size, root)
    }
}
