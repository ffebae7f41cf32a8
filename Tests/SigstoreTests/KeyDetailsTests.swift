import Crypto
import CryptoExtras
import Foundation
import Testing

@testable import Sigstore

/// A key's scheme by protobuf-specs' name must fit the key: the curve, the key type, the RSA
/// modulus size; the padding and hash come from the name.
@Suite("Key details")
struct KeyDetailsTests {
    @Test func aSchemeForAnotherKeyIsRefused() throws {
        let p256 = Array(P256.Signing.PrivateKey().publicKey.derRepresentation)
        #expect(throws: VerificationError(.key, "the key is ECDSA P-256, not the PKIX_ECDSA_P384_SHA_384 key its scheme names")) {
            try VerificationKey(der: p256, keyDetails: "PKIX_ECDSA_P384_SHA_384")
        }
        #expect(throws: VerificationError(.key, "the key is ECDSA P-256, not the PKIX_ED25519 key its scheme names")) {
            try VerificationKey(der: p256, keyDetails: "PKIX_ED25519")
        }
        guard case .p256 = try VerificationKey(der: p256, keyDetails: "PKIX_ECDSA_P256_SHA_256") else {
            Issue.record("not read as P-256")
            return
        }
        let rsa = Array(try _RSA.Signing.PrivateKey(keySize: .bits2048).publicKey.derRepresentation)
        #expect(throws: VerificationError(.key, "the key is 2048-bit RSA, not the 3072 bits PKIX_RSA_PSS_3072_SHA256 names")) {
            try VerificationKey(der: rsa, keyDetails: "PKIX_RSA_PSS_3072_SHA256")
        }
        guard case .rsa(_, .sha256, pss: true) = try VerificationKey(der: rsa, keyDetails: "PKIX_RSA_PSS_2048_SHA256"),
            case .rsa(_, .sha256, pss: false) = try VerificationKey(der: rsa, keyDetails: "PKIX_RSA_PKCS1V15_2048_SHA256")
        else {
            Issue.record("RSA padding not taken from the name")
            return
        }
        // An RSA key alone is PKCS#1 v1.5 with SHA-256, as cosign reads it.
        guard case .rsa(_, .sha256, pss: false) = try VerificationKey(der: rsa) else {
            Issue.record("an RSA key alone is not PKCS#1 v1.5")
            return
        }
    }

    @Test func eachKeyTypeHasTheHashItsSchemePrescribes() throws {
        #expect(try VerificationKey(der: Array(P384.Signing.PrivateKey().publicKey.derRepresentation)).hash == .sha384)
        #expect(try VerificationKey(der: Array(P521.Signing.PrivateKey().publicKey.derRepresentation)).hash == .sha512)
        #expect(
            try VerificationKey(der: VerificationKey.spkiDER(.init(Curve25519.Signing.PrivateKey().publicKey)), keyDetails: "PKIX_ED25519")
                .hash == nil
        )
    }
}
