import Crypto
import Testing

@testable import Sigstore

/// DER ECDSA signatures read with SwiftASN1 against swift-crypto's own DER reader: the same
/// raw form for real signatures of each curve, and the same verdict on every single-byte change,
/// truncation and extension of them.
@Suite("ECDSA DER signatures")
struct ECDSASignatureTests {
    static func agree(_ der: [UInt8], _ label: String) {
        let ours = VerificationKey.ecdsaSignature(der, size: 32, P256.Signing.ECDSASignature.init(rawRepresentation:))
        let theirs = try? P256.Signing.ECDSASignature(derRepresentation: der)
        #expect(ours?.rawRepresentation == theirs?.rawRepresentation, "P-256 \(label)")
        let ours384 = VerificationKey.ecdsaSignature(der, size: 48, P384.Signing.ECDSASignature.init(rawRepresentation:))
        let theirs384 = try? P384.Signing.ECDSASignature(derRepresentation: der)
        #expect(ours384?.rawRepresentation == theirs384?.rawRepresentation, "P-384 \(label)")
        let ours521 = VerificationKey.ecdsaSignature(der, size: 66, P521.Signing.ECDSASignature.init(rawRepresentation:))
        let theirs521 = try? P521.Signing.ECDSASignature(derRepresentation: der)
        #expect(ours521?.rawRepresentation == theirs521?.rawRepresentation, "P-521 \(label)")
    }

    @Test func agreesWithSwiftCryptoOnRealAndDamagedSignatures() throws {
        let message = Array("message".utf8)
        var signatures: [[UInt8]] = []
        for _ in 0..<8 {
            signatures.append(Array(try P256.Signing.PrivateKey().signature(for: message).derRepresentation))
            signatures.append(Array(try P384.Signing.PrivateKey().signature(for: message).derRepresentation))
            signatures.append(Array(try P521.Signing.PrivateKey().signature(for: message).derRepresentation))
        }
        for der in signatures {
            Self.agree(der, "valid")
            for index in der.indices {
                for value: UInt8 in [0x00, 0x01, 0x02, 0x7F, 0x80, 0x81, 0xFF, der[index] ^ 0x01] where value != der[index] {
                    var changed = der
                    changed[index] = value
                    Self.agree(changed, "byte \(index) = \(value)")
                }
                Self.agree(Array(der[..<index]), "truncated to \(index)")
            }
            Self.agree(der + [0], "one byte more")
        }
        // Non-minimal and negative integers, a zero-length integer, and r and s too long.
        Self.agree([0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01], "r with a needless zero byte")
        Self.agree([0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01], "negative r")
        Self.agree([0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01], "empty r")
        Self.agree([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], "r = s = 1")
        let long = [UInt8](repeating: 0x11, count: 67)
        Self.agree([0x30, 0x48, 0x02, 0x43] + long + [0x02, 0x01, 0x01], "r of 67 bytes")
    }
}
