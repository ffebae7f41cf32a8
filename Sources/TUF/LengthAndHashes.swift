import Crypto
import Foundation

/// Why downloaded bytes do not match what metadata says of them.
public enum LengthAndHashError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The byte count differs from the listed length.
    case lengthMismatch(expected: Int, actual: Int)
    /// The digest by `algorithm` differs from the listed one.
    case hashMismatch(algorithm: String)
    /// The metadata lists a hash algorithm this library does not compute; the check fails
    /// rather than skip it.
    case unsupportedAlgorithm(String)
    /// The listed digest is not hex of the algorithm's length.
    case malformedHash(algorithm: String)

    /// The error or outcome as one line for people.
    public var description: String {
        switch self {
        case .lengthMismatch(let expected, let actual): return "length is \(actual) bytes, metadata says \(expected)"
        case .hashMismatch(let algorithm): return "\(algorithm) hash does not match the metadata"
        case .unsupportedAlgorithm(let algorithm): return "hash algorithm \"\(algorithm)\" is not supported"
        case .malformedHash(let algorithm): return "\(algorithm) hash in the metadata is malformed"
        }
    }
}

/// Checks `bytes` against a listed length and hashes. Every listed hash must be supported
/// (sha256, sha384, sha512) and match.
func verifyLengthAndHashes(
    _ bytes: some DataProtocol,
    length: Int?,
    hashes: [String: String]?
) throws(LengthAndHashError) {
    if let length, bytes.count != length {
        throw .lengthMismatch(expected: length, actual: bytes.count)
    }
    for (algorithm, expectedHex) in (hashes ?? [:]).sorted(by: { $0.key < $1.key }) {
        let actual: [UInt8]
        switch algorithm {
        case "sha256": actual = Array(SHA256.hash(data: bytes))
        case "sha384": actual = Array(SHA384.hash(data: bytes))
        case "sha512": actual = Array(SHA512.hash(data: bytes))
        default: throw .unsupportedAlgorithm(algorithm)
        }
        guard let expected = Hex.decode(expectedHex), expected.count == actual.count else {
            throw .malformedHash(algorithm: algorithm)
        }
        // Constant time, so a server cannot learn how much of a forged digest matched.
        guard ConstantTime.isEqual(expected, actual) else { throw .hashMismatch(algorithm: algorithm) }
    }
}

extension MetaFile {
    /// Checks that `bytes` have the length and hashes listed here (those that are listed).
    public func verify(_ bytes: some DataProtocol) throws(LengthAndHashError) {
        try verifyLengthAndHashes(bytes, length: length, hashes: hashes)
    }
}

extension TargetFile {
    /// Checks that `bytes` have this target's length and hashes.
    public func verify(_ bytes: some DataProtocol) throws(LengthAndHashError) {
        try verifyLengthAndHashes(bytes, length: length, hashes: hashes)
    }

    /// A target file entry describing `bytes`, with SHA-256 and SHA-512 hashes.
    public init(describing bytes: some DataProtocol, unrecognizedFields: JSONObject = JSONObject()) {
        self.init(
            length: bytes.count,
            hashes: ["sha256": Hex.encode(SHA256.hash(data: bytes)), "sha512": Hex.encode(SHA512.hash(data: bytes))],
            unrecognizedFields: unrecognizedFields
        )
    }
}
