import Foundation
import SwiftASN1
import TUF

/// A signer whose private key is kept in a passphrase-encrypted PKCS#8 file.
///
/// The key is decrypted once, when the signer is made, and held in memory only; the file on disk
/// stays encrypted.
public struct EncryptedKeyFileSigner: Signer {
    private let signer: InMemorySigner

    /// The public key, as metadata lists it.
    public var publicKey: Key { signer.publicKey }

    /// Opens the encrypted key in `pem` with `passphrase`; an RSA key signs with `rsaPadding`.
    public init(pemEncoded pem: String, passphrase: [UInt8], rsaPadding: InMemorySigner.RSAPadding = .pss) throws(CeremonyError) {
        let info = try EncryptedPrivateKeyInfo(pemEncoded: pem)
        var privateKeyInfo = try info.decrypt(passphrase: passphrase)
        defer { SecretMemory.wipe(&privateKeyInfo) }
        do {
            signer = try InMemorySigner(
                pkcs8PEM: PEMDocument(type: "PRIVATE KEY", derBytes: privateKeyInfo).pemString,
                rsaPadding: rsaPadding
            )
        } catch {
            // CBC padding can pass by chance with a wrong key; the key itself then does not parse.
            throw CeremonyError.wrongPassphrase
        }
    }

    /// Generates a key of `kind` and returns its signer with the encrypted PEM to store.
    public static func generate(
        _ kind: InMemorySigner.KeyKind,
        passphrase: [UInt8],
        keyDerivation: EncryptedPrivateKeyInfo.KeyDerivation = .strongScrypt()
    ) throws(CeremonyError) -> (signer: EncryptedKeyFileSigner, pem: String) {
        do {
            let key = try InMemorySigner(generating: kind)
            let info = try EncryptedPrivateKeyInfo(
                encrypting: key.pkcs8DERRepresentation,
                passphrase: passphrase,
                keyDerivation: keyDerivation
            )
            return (try EncryptedKeyFileSigner(pemEncoded: info.pemEncoded, passphrase: passphrase), info.pemEncoded)
        } catch {
            throw CeremonyError(error)
        }
    }

    /// Signs `message` with the decrypted key.
    public func sign(_ message: [UInt8]) throws(CeremonyError) -> [UInt8] {
        do {
            return try signer.sign(message)
        } catch {
            throw CeremonyError(error)
        }
    }
}
