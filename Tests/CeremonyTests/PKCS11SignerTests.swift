import Ceremony
import Foundation
import TUF
import TestSupport
import Testing

/// Signing on a SoftHSM2 token through PKCS#11.
@Suite("PKCS#11 signer", .serialized)
struct PKCS11SignerTests {
    func token() throws -> SoftHSM { try SoftHSM.shared.get() }

    @Test(arguments: [("01", "ecdsa-sha2-nistp256"), ("02", "ecdsa-sha2-nistp384"), ("03", "ed25519"), ("04", "rsassa-pss-sha256")])
    func signsWithEveryKeyType(id: String, scheme: String) throws {
        let hsm = try token()
        let reference = PKCS11KeyReference(module: SoftHSM.module, tokenLabel: hsm.tokenLabel, keyID: Hex.decode(id))
        let signer = try PKCS11Signer(reference: reference, pin: Array(hsm.pin.utf8))
        #expect(signer.publicKey.scheme == scheme)
        // Metadata signed on the token verifies with the public key read from it.
        var metadata = Metadata(signed: Targets(expires: Date().addingTimeInterval(3_600)))
        try metadata.sign(with: signer)
        let verification = ThresholdVerification(
            role: "targets",
            delegate: Role(keyIDs: [signer.publicKey.keyID], threshold: 1),
            keys: [signer.publicKey.keyID: signer.publicKey],
            metadata: metadata
        )
        #expect(verification.isSatisfied)
        // The reference survives its JSON form.
        #expect(try PKCS11KeyReference(json: reference.json) == reference)
    }

    @Test func findsKeysByLabel() throws {
        let hsm = try token()
        let signer = try PKCS11Signer(
            reference: PKCS11KeyReference(module: SoftHSM.module, tokenLabel: hsm.tokenLabel, keyLabel: "ed25519"),
            pin: Array(hsm.pin.utf8)
        )
        #expect(signer.publicKey.keyType == "ed25519")
    }

    @Test func failuresAreClear() throws {
        let hsm = try token()
        let pin = Array(hsm.pin.utf8)
        #expect(throws: CeremonyError.wrongPIN) {
            try PKCS11Signer(
                reference: PKCS11KeyReference(module: SoftHSM.module, tokenLabel: hsm.tokenLabel, keyID: [1]),
                pin: Array("9999".utf8)
            )
        }
        #expect(throws: CeremonyError.moduleNotLoadable(path: "/nonexistent/libpkcs11.so", reason: "no such file")) {
            try PKCS11Signer(reference: PKCS11KeyReference(module: "/nonexistent/libpkcs11.so", tokenLabel: "x", keyID: [1]), pin: pin)
        }
        #expect(throws: CeremonyError.tokenNotFound("labelled no-such-token")) {
            try PKCS11Signer(reference: PKCS11KeyReference(module: SoftHSM.module, tokenLabel: "no-such-token", keyID: [1]), pin: pin)
        }
        #expect(throws: CeremonyError.keyNotFound("with id 09")) {
            try PKCS11Signer(reference: PKCS11KeyReference(module: SoftHSM.module, tokenLabel: hsm.tokenLabel, keyID: [9]), pin: pin)
        }
        // A library that is not a PKCS#11 module.
        #expect(throws: CeremonyError.self) {
            try PKCS11Signer(
                reference: PKCS11KeyReference(module: "/lib/x86_64-linux-gnu/libz.so.1", tokenLabel: "x", keyID: [1]),
                pin: pin
            )
        }
        #expect(CeremonyError.wrongPIN.description == "the token refused the PIN")
    }
}
