import ArgumentParser
import Ceremony
import Foundation
import TUF

#if canImport(Glibc)
    import Glibc
#endif

/// `trustroot key`: make and inspect signing keys.
struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Generate encrypted signing keys and show their public keys.",
        subcommands: [Generate.self, Show.self]
    )

    static let passphraseVariable = "TRUSTROOT_KEY_PASSPHRASE"

    /// `trustroot key generate`.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a key and write it encrypted (PKCS#8, scrypt, AES-256-CBC) to a new file.",
            discussion: """
                The passphrase is asked twice at the terminal, or taken from $TRUSTROOT_KEY_PASSPHRASE. \
                The file is readable by `openssl pkey`. The public key is printed as TUF metadata lists it.
                """
        )

        @Option(help: "ed25519, ecdsa-p256, ecdsa-p384 or rsa-3072.")
        var type: String

        @Option(help: "The key file to create; an existing file is never overwritten.")
        var out: String

        @Option(help: "Key derivation: scrypt (default) or pbkdf2.")
        var kdf: String = "scrypt"

        @Flag(help: "Print the public key as JSON only.")
        var json = false

        func validate() throws {
            guard InMemorySigner.KeyKind(rawValue: type) != nil else {
                throw ValidationError("--type must be one of \(InMemorySigner.KeyKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard ["scrypt", "pbkdf2"].contains(kdf) else { throw ValidationError("--kdf must be scrypt or pbkdf2") }
        }

        func run() throws {
            if FileManager.default.fileExists(atPath: out) {
                throw CLIError(message: "\(out): already exists; not overwriting a key", code: .ioError)
            }
            let passphrase = try PassphraseReader.read(
                prompt: "Passphrase for the new key: ",
                environmentVariable: KeyCommand.passphraseVariable,
                confirm: true
            )
            let derivation: EncryptedPrivateKeyInfo.KeyDerivation =
                kdf == "scrypt" ? .strongScrypt() : .pbkdf2SHA256(salt: randomSalt(), iterations: 600_000)
            let (signer, pem) = try EncryptedKeyFileSigner.generate(
                InMemorySigner.KeyKind(rawValue: type)!,
                passphrase: passphrase,
                keyDerivation: derivation
            )
            try writeNewPrivateFile(Array(pem.utf8), to: out)
            KeyCommand.printPublicKey(signer.publicKey, json: json)
        }

        func randomSalt() -> [UInt8] {
            var generator = SystemRandomNumberGenerator()
            return (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
    }

    /// `trustroot key show`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open an encrypted key file and print its public key and key id.")

        @Argument(help: "The encrypted key file.")
        var file: String

        @Flag(help: "Print the public key as JSON only.")
        var json = false

        func run() throws {
            let pem = String(decoding: try readFile(file, limit: 1 << 16), as: UTF8.self)
            let passphrase = try PassphraseReader.read(
                prompt: "Passphrase for \(file): ",
                environmentVariable: KeyCommand.passphraseVariable
            )
            do {
                let signer = try EncryptedKeyFileSigner(pemEncoded: pem, passphrase: passphrase)
                KeyCommand.printPublicKey(signer.publicKey, json: json)
            } catch let error as EncryptedPrivateKeyInfo.Error {
                let code: CLIError.ExitCode = error == .wrongPassphrase ? .verificationFailed : .invalidData
                throw CLIError(message: "\(file): \(error)", code: code)
            }
        }
    }

    static func printPublicKey(_ key: Key, json: Bool) {
        if json {
            FileHandleOutput.standardOutput.write(JSONWriter.prettyPrinted(["keyid": .string(key.keyID), "key": key.json]))
        } else {
            print("keyid \(key.keyID)")
            print("type \(key.keyType), scheme \(key.scheme)")
            print(String(decoding: JSONWriter.prettyPrinted(key.json), as: UTF8.self), terminator: "")
        }
    }
}

/// Creates `path` with `bytes`, readable by its owner only, failing if it exists.
func writeNewPrivateFile(_ bytes: [UInt8], to path: String) throws(CLIError) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
        throw CLIError(message: "\(path): cannot create: \(String(cString: strerror(errno)))", code: .ioError)
    }
    defer { close(descriptor) }
    var written = 0
    while written < bytes.count {
        let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
        guard result > 0 else {
            unlink(path)
            throw CLIError(message: "\(path): write failed", code: .ioError)
        }
        written += result
    }
    guard fsync(descriptor) == 0 else {
        unlink(path)
        throw CLIError(message: "\(path): fsync failed", code: .ioError)
    }
}
