import Crypto

/// Bytes that several signatures cover, with each digest computed the first time a key asks
/// for it, so that checking a threshold of signatures hashes the message once per algorithm.
///
/// Used by one check at a time; not shared between threads.
final class SignedMessage {
    /// The signed bytes.
    let bytes: [UInt8]
    private var storedSHA256: SHA256Digest?
    private var storedSHA384: SHA384Digest?
    private var storedSHA512: SHA512Digest?

    /// The message `bytes`.
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The SHA-256 digest of the bytes.
    var sha256: SHA256Digest {
        if let storedSHA256 { return storedSHA256 }
        let digest = SHA256.hash(data: bytes)
        storedSHA256 = digest
        return digest
    }

    /// The SHA-384 digest of the bytes.
    var sha384: SHA384Digest {
        if let storedSHA384 { return storedSHA384 }
        let digest = SHA384.hash(data: bytes)
        storedSHA384 = digest
        return digest
    }

    /// The SHA-512 digest of the bytes.
    var sha512: SHA512Digest {
        if let storedSHA512 { return storedSHA512 }
        let digest = SHA512.hash(data: bytes)
        storedSHA512 = digest
        return digest
    }
}
