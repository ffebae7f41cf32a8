import Foundation
import Testing

@testable import TUF

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

    /// Line breaks, spaces and tabs anywhere in the body are dropped; any other byte outside the
    /// base64 alphabet, however it is placed, makes the block unreadable.
    @Test func whitespaceAnywhereOtherControlBytesNowhere() {
        var generator = SystemRandomNumberGenerator()
        let base64 = Array(Data(Self.der).base64EncodedString().utf8)
        for _ in 0..<2_000 {
            var body = base64
            for _ in 0..<Int.random(in: 0...12, using: &generator) {
                body.insert([10, 13, 32, 9].randomElement(using: &generator)!, at: Int.random(in: 0...body.count, using: &generator))
            }
            let spoiled = Bool.random(using: &generator)
            if spoiled {
                body.insert(
                    [0, 11, 12, 31, 0x7F, 0x21].randomElement(using: &generator)!,
                    at: Int.random(in: 0...body.count, using: &generator)
                )
            }
            let text = "-----BEGIN CERTIFICATE-----" + String(decoding: body, as: UTF8.self) + "-----END CERTIFICATE-----"
            #expect(PEM.decode(text)?.der == (spoiled ? nil : Self.der), "\(text.debugDescription)")
        }
    }
}
