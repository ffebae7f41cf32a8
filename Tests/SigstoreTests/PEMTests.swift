import Foundation
import Testing

@testable import Sigstore

/// PEM blocks are read whatever their line width or line ends; anything else is refused.
@Suite("PEM")
struct PEMTests {
    static let der: [UInt8] = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) }

    @Test func readsBlocksAtAnyWidth() throws {
        let encoded = PEM.encode(label: "CERTIFICATE", der: Self.der)
        #expect(PEM.decode(encoded)?.der == Self.der)
        #expect(PEM.decode(encoded)?.label == "CERTIFICATE")
        let base64 = Data(Self.der).base64EncodedString()
        for text in [
            "-----BEGIN CERTIFICATE-----\(base64)-----END CERTIFICATE-----",
            "junk before\r\n-----BEGIN CERTIFICATE-----\r\n\(base64.prefix(76))\r\n\(base64.dropFirst(76))\r\n-----END CERTIFICATE-----\r\n",
            "-----BEGIN CERTIFICATE-----\n \t\(base64)\n\n-----END CERTIFICATE-----",
        ] {
            #expect(PEM.decode(text)?.der == Self.der, "\(text.prefix(40))")
        }
    }

    @Test func refusesWhatIsNotABlock() {
        let base64 = Data(Self.der).base64EncodedString()
        for text in [
            "", "-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\(base64)",
            "-----BEGIN CERTIFICATE-----\(base64)-----END PUBLIC KEY-----",
            "-----BEGIN CERTIFICATE-----\(base64.dropLast(1))!-----END CERTIFICATE-----",
            "-----BEGIN CERTIFICATE----------END CERTIFICATE-----", "-----BEGIN X",
        ] {
            #expect(PEM.decode(text) == nil, "\(text.prefix(40))")
        }
    }
}
