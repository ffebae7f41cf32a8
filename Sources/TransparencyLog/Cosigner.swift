import Crypto
import Foundation
import TUF

/// A witness's Ed25519 cosigning key (C2SP tlog-cosignature, signature type 0x04).
///
/// A cosignature line's bytes are an eight-byte big-endian POSIX time, then an Ed25519
/// signature over `cosignature/v1`, `time T` and the checkpoint's text.
public struct Cosigner: NoteVerifier {
    /// The witness's name.
    public let name: String?
    /// The key hash of the name and key with type 0x04.
    public let keyHash: [UInt8]
    /// The public key.
    public let publicKey: Curve25519.Signing.PublicKey

    /// The cosigner `name` with the 32-byte Ed25519 key `publicKey`.
    public init(name: String, publicKey: [UInt8]) throws(LogError) {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else {
            throw LogError(.malformed, "the Ed25519 key of witness \(name) is not 32 bytes")
        }
        self.name = name
        self.publicKey = key
        keyHash = Self.keyHash(name: name, type: 0x04, key: publicKey)
    }

    /// The cosigner a C2SP verifier key names: `NAME+KEYHASH+BASE64(0x04 ‖ KEY)`.
    public init(verifierKey: String) throws(LogError) {
        let key = try VerifierKey(verifierKey, type: 0x04)
        try self.init(name: key.name, publicKey: key.material)
    }

    /// The time a cosignature says it was made, when the line has the cosignature's length.
    public static func time(of signature: [UInt8]) -> UInt64? {
        guard signature.count == 72 else { return nil }
        return signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// Whether `signature` is this witness's cosignature of `text`.
    public func isValidSignature(_ signature: [UInt8], for text: [UInt8]) -> Bool {
        guard let time = Self.time(of: signature), time <= UInt64(Int64.max) else { return false }
        let message = Array("cosignature/v1\ntime \(time)\n".utf8) + text
        return publicKey.isValidSignature(signature.suffix(64), for: message)
    }
}
