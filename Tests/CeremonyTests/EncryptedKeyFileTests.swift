import Ceremony
import Foundation
import TUF
import TestSupport
import Testing

/// Encrypted PKCS#8 key files, checked against OpenSSL in both directions.
@Suite("Encrypted key files")
struct EncryptedKeyFileTests {
    static let passphrase = Array("correct horse battery staple".utf8)
    /// Cheap parameters keep the tests fast; the default is N = 2^17.
    static let quickScrypt = EncryptedPrivateKeyInfo.KeyDerivation.scrypt(salt: Array(repeating: 7, count: 16), n: 1 << 14, r: 8, p: 1)

    /// Runs openssl with `arguments`; returns standard output, throwing on failure.
    func openssl(_ arguments: [String]) async throws -> String {
        let outcome = try await Subprocess.run(command: ["openssl"] + arguments)
        guard outcome.status == 0 else {
            throw Python.Failure(description: "openssl \(arguments.joined(separator: " ")): \(outcome.errors)")
        }
        return outcome.output
    }

    @Test(arguments: InMemorySigner.KeyKind.allCases)
    func openSSLReadsOurKeyFiles(kind: InMemorySigner.KeyKind) async throws {
        let folder = try TemporaryDirectory()
        for derivation in [Self.quickScrypt, .pbkdf2SHA256(salt: Array(repeating: 1, count: 16), iterations: 10_000)] {
            let (signer, pem) = try EncryptedKeyFileSigner.generate(kind, passphrase: Self.passphrase, keyDerivation: derivation)
            #expect(pem.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"))
            try folder.write("key.pem", Array(pem.utf8))
            let publicPEM = try await openssl([
                "pkey", "-in", folder.file("key.pem").path, "-passin", "pass:correct horse battery staple", "-pubout",
            ])
            // OpenSSL recovers the same public key we list in metadata.
            if kind == .ed25519 {
                // An Ed25519 SubjectPublicKeyInfo ends with the 32 raw key bytes that metadata lists in hex.
                let base64 = publicPEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
                let der = try #require(Data(base64Encoded: base64))
                #expect(Hex.encode(der.suffix(32)) == signer.publicKey.publicValue)
            } else {
                #expect(
                    publicPEM.trimmingCharacters(in: .whitespacesAndNewlines)
                        == signer.publicKey.publicValue.trimmingCharacters(in: .whitespacesAndNewlines)
                )
            }
            await #expect(throws: (any Error).self) {
                try await openssl(["pkey", "-in", folder.file("key.pem").path, "-passin", "pass:wrong", "-pubout"])
            }
            // And the file signs with the key it claims.
            let reopened = try EncryptedKeyFileSigner(pemEncoded: pem, passphrase: Self.passphrase)
            let message = Array("payload".utf8)
            #expect(signer.publicKey.isValidSignature(try reopened.sign(message), for: message))
        }
    }

    @Test(arguments: [
        ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes-256-cbc"],
        ["genpkey", "-algorithm", "ED25519", "-aes-256-cbc"],
        ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes-256-cbc"],
    ])
    func weReadOpenSSLKeyFiles(generate: [String]) async throws {
        let folder = try TemporaryDirectory()
        let pem = try await openssl(generate + ["-pass", "pass:correct horse battery staple"])
        let signer = try EncryptedKeyFileSigner(pemEncoded: pem, passphrase: Self.passphrase)
        let message = Array("payload".utf8)
        #expect(signer.publicKey.isValidSignature(try signer.sign(message), for: message))
        // The same key re-encrypted with scrypt, as `openssl pkcs8 -topk8 -scrypt` writes it.
        try folder.write("key.pem", Array(pem.utf8))
        let scrypt = try await openssl([
            "pkcs8", "-topk8", "-scrypt", "-in", folder.file("key.pem").path, "-passin", "pass:correct horse battery staple",
            "-passout", "pass:correct horse battery staple",
        ])
        #expect(try EncryptedKeyFileSigner(pemEncoded: scrypt, passphrase: Self.passphrase).publicKey == signer.publicKey)
    }

    @Test func openSSLOpensTheDefaultParameters() async throws {
        let folder = try TemporaryDirectory()
        let (signer, pem) = try EncryptedKeyFileSigner.generate(.ecdsaP256, passphrase: Self.passphrase)
        try folder.write("key.pem", Array(pem.utf8))
        let publicPEM = try await openssl([
            "pkey", "-in", folder.file("key.pem").path, "-passin", "pass:correct horse battery staple", "-pubout",
        ])
        #expect(
            publicPEM.trimmingCharacters(in: .whitespacesAndNewlines)
                == signer.publicKey.publicValue.trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }

    @Test func wrongPassphraseIsAClearError() throws {
        let (_, pem) = try EncryptedKeyFileSigner.generate(.ecdsaP256, passphrase: Self.passphrase, keyDerivation: Self.quickScrypt)
        for wrong in ["Correct horse battery staple", "", "correct horse battery stapl"] {
            #expect(throws: CeremonyError.wrongPassphrase) {
                try EncryptedKeyFileSigner(pemEncoded: pem, passphrase: Array(wrong.utf8))
            }
        }
        #expect(CeremonyError.wrongPassphrase.description == "wrong passphrase, or the key file was altered")
    }

    @Test func refusesOtherFormatsAndHostileParameters() async throws {
        let plain = try await openssl(["genpkey", "-algorithm", "ED25519"])
        #expect(throws: CeremonyError.notAnEncryptedKey("PEM block is PRIVATE KEY, not ENCRYPTED PRIVATE KEY")) {
            try EncryptedPrivateKeyInfo(pemEncoded: plain)
        }
        let aes128 = try await openssl(["genpkey", "-algorithm", "ED25519", "-aes-128-cbc", "-pass", "pass:x"])
        #expect(throws: CeremonyError.self) { try EncryptedPrivateKeyInfo(pemEncoded: aes128) }
        // The smallest accepted PBKDF2 work factor still round-trips through PEM.
        let minimal = try EncryptedPrivateKeyInfo(
            encrypting: [1, 2, 3],
            passphrase: [1],
            keyDerivation: .pbkdf2SHA256(salt: [1], iterations: 1_000)
        )
        let reparsed = try EncryptedPrivateKeyInfo(pemEncoded: minimal.pemEncoded)
        #expect(reparsed == minimal)
        #expect(try reparsed.decrypt(passphrase: [1]) == [1, 2, 3])
        // A file demanding 2^21 scrypt rounds (2 GiB at r = 8) is refused before any work.
        let greedy = EncryptedPrivateKeyInfo.KeyDerivation.scrypt(salt: [1], n: 1 << 21, r: 8, p: 1)
        #expect(throws: CeremonyError.unreasonableParameters("scrypt N=2097152 r=8 p=1")) {
            try EncryptedPrivateKeyInfo(encrypting: [1], passphrase: [1], keyDerivation: greedy)
        }
        #expect(throws: CeremonyError.notAnEncryptedKey("no PEM block")) {
            try EncryptedPrivateKeyInfo(pemEncoded: "garbage")
        }
    }
}
