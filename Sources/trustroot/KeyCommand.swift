import ArgumentParser
import Ceremony
import Foundation
import TUF
import TUFClient

#if canImport(Glibc)
    import Glibc
#endif

/// `trustroot key`: make and inspect signing keys.
struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Generate encrypted signing keys and show their public keys.",
        subcommands: [Generate.self, ImportPKCS11.self, Show.self]
    )

    static let passphraseVariable = "TRUSTROOT_KEY_PASSPHRASE"
    static let pinVariable = "TRUSTROOT_PKCS11_PIN"

    /// `trustroot key generate`.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Generate a key and write it encrypted (PKCS#8, scrypt, AES-256-CBC) to a new file.",
            discussion: """
                The passphrase is asked twice at the terminal, or taken from $TRUSTROOT_KEY_PASSPHRASE. \
                The file is readable by `openssl pkey`. The public key is printed as TUF metadata lists it.
                """
        )

        @Option(help: "ed25519, ecdsa-p256, ecdsa-p384, ecdsa-p521, rsa-2048, rsa-3072 or rsa-4096.")
        var type: String

        @Option(help: "The key file to create; an existing file is never overwritten.")
        var out: String

        @Option(help: "Key derivation: scrypt (default) or pbkdf2.")
        var kdf: String = "scrypt"

        @Flag(help: "Print the public key as JSON only.")
        var json = false

        @OptionGroup var holder: HolderIDOption

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
            let progress = TerminalProgress()
            progress.show("generating the key and encrypting it (\(kdf) takes a moment)…", force: true)
            defer { progress.finish() }
            let (signer, pem) = try EncryptedKeyFileSigner.generate(
                InMemorySigner.KeyKind(rawValue: type)!,
                passphrase: passphrase,
                keyDerivation: derivation
            )
            progress.finish()
            try writeNewPrivateFile(Array(pem.utf8), to: out)
            KeyCommand.printPublicKey(signer.publicKey, json: json, holder: holder)
        }

        func randomSalt() -> [UInt8] {
            var generator = SystemRandomNumberGenerator()
            return (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
    }

    /// `trustroot key import-pkcs11`.
    struct ImportPKCS11: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-pkcs11",
            abstract: "Record a hardware-token key: its public key and where it lives, after a test signature.",
            discussion: "The PIN is asked at the terminal, or taken from $TRUSTROOT_PKCS11_PIN. No key material leaves the token."
        )

        @Option(help: "The PKCS#11 module (SoftHSM2: /usr/lib/softhsm/libsofthsm2.so; YubiKey: libykcs11.so).")
        var module: String

        @Option(help: "The token's label.")
        var tokenLabel: String?

        @Option(help: "The token's serial number.")
        var tokenSerial: String?

        @Option(help: "The key's CKA_ID in hex (YubiKey PIV slot 9c: 02).")
        var keyId: String?

        @Option(help: "The key's CKA_LABEL.")
        var keyLabel: String?

        @Option(help: "The reference file to create.")
        var out: String

        @OptionGroup var holder: HolderIDOption

        func validate() throws {
            guard tokenLabel != nil || tokenSerial != nil else { throw ValidationError("give --token-label or --token-serial") }
            guard keyId != nil || keyLabel != nil else { throw ValidationError("give --key-id or --key-label") }
            if let keyId, Hex.decode(keyId) == nil { throw ValidationError("--key-id must be hex") }
        }

        func run() throws {
            if FileManager.default.fileExists(atPath: out) {
                throw CLIError(message: "\(out): already exists; not overwriting", code: .ioError)
            }
            let reference = PKCS11KeyReference(
                module: module,
                tokenLabel: tokenLabel,
                tokenSerial: tokenSerial,
                keyID: keyId.flatMap(Hex.decode),
                keyLabel: keyLabel
            )
            let pin = try PassphraseReader.read(prompt: "PIN for the token: ", environmentVariable: KeyCommand.pinVariable)
            let signer = try KeyCommand.openToken(reference, pin: pin)
            do {
                _ = try signer.sign(Array("trustroot import-pkcs11 test signature".utf8))
            } catch {
                throw CLIError(error, at: module)
            }
            let record: JSONValue = ["pkcs11": reference.json, "key": signer.publicKey.json, "keyid": .string(signer.publicKey.keyID)]
            try writeNewPrivateFile(JSONWriter.prettyPrinted(record), to: out)
            KeyCommand.printPublicKey(signer.publicKey, json: false, holder: holder)
        }
    }

    static func openToken(_ reference: PKCS11KeyReference, pin: [UInt8]) throws(CLIError) -> PKCS11Signer {
        do {
            return try PKCS11Signer(reference: reference, pin: pin)
        } catch {
            throw CLIError(error, at: reference.module)
        }
    }

    /// `trustroot key show`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print the public key and key id of an encrypted key file or a token key reference."
        )

        @Argument(help: "The encrypted key file, or a reference file from import-pkcs11.")
        var file: String

        @Flag(help: "Print the public key as JSON only.")
        var json = false

        @OptionGroup var holder: HolderIDOption

        func run() throws {
            let bytes = try readFile(file, limit: 1 << 16)
            if let record = try? JSONParser().parse(bytes).objectValue, let keyJSON = record["key"] {
                do {
                    KeyCommand.printPublicKey(try Key(json: keyJSON), json: json, holder: holder)
                    return
                } catch {
                    throw CLIError.invalid(file, error)
                }
            }
            KeyCommand.printPublicKey(try KeyCommand.openKeyFile(file, contents: bytes).publicKey, json: json, holder: holder)
        }
    }

    /// Opens the encrypted key file at `path` (whose bytes may already be read), asking for its
    /// passphrase; a wrong passphrase exits 1, a file that is not a key 65.
    static func openKeyFile(
        _ path: String,
        contents: [UInt8]? = nil,
        rsaPadding: InMemorySigner.RSAPadding = .pss
    ) throws -> EncryptedKeyFileSigner {
        let pem = String(decoding: try contents ?? readFile(path, limit: 1 << 16), as: UTF8.self)
        var passphrase = try PassphraseReader.read(prompt: "Passphrase for \(path): ", environmentVariable: passphraseVariable)
        defer { SecretMemory.wipe(&passphrase) }
        do {
            return try EncryptedKeyFileSigner(pemEncoded: pem, passphrase: passphrase, rsaPadding: rsaPadding)
        } catch {
            throw CLIError(error, at: path)
        }
    }

    /// `--holder`: the name the ceremony configuration gives the key's holder.
    struct HolderIDOption: ParsableArguments {
        @Option(
            help:
                "The holder's name as ceremony.json gives it: also print the key id the ceremony's metadata lists for the key (the name is part of what the id covers)."
        )
        var holder: String?

        @Flag(help: "With --holder: the configuration sets test_keys, which marks every key entry (and so changes its id).")
        var testKey = false
    }

    /// Prints the key and its ids: the bare key's, and with `holder` the one the ceremony's
    /// metadata gives it (the id people compare with `ceremony diff` and `ceremony status`).
    static func printPublicKey(_ key: Key, json: Bool, holder option: HolderIDOption) {
        let holder = option.holder
        let metadataKeyID = holder.map { MetadataDraft.keyID(of: key, holder: $0, test: option.testKey) }
        if json {
            var object = JSONObject()
            object["keyid"] = .string(key.keyID)
            object["key"] = key.json
            object["holder"] = holder.map { .string($0) }
            object["metadata_keyid"] = metadataKeyID.map { .string($0) }
            FileHandleOutput.standardOutput.write(JSONWriter.prettyPrinted(.object(object)))
        } else {
            if let holder, let metadataKeyID {
                print("keyid \(metadataKeyID) (in the ceremony's metadata, as \(holder)'s key)")
                print("bare key id \(key.keyID) (the key without a holder name)")
            } else {
                print("keyid \(key.keyID) (the key without a holder name: pass --holder NAME for the id the ceremony's metadata lists)")
            }
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
    guard AtomicFile.writeFully(bytes, to: descriptor) else {
        unlink(path)
        throw CLIError(message: "\(path): write failed", code: .ioError)
    }
    guard fsync(descriptor) == 0 else {
        unlink(path)
        throw CLIError(message: "\(path): fsync failed", code: .ioError)
    }
}
