import Crypto
import Foundation
import Sigstore
import TestSupport
import Testing

/// RFC 3161 tokens: the nonce is read as the INTEGER's DER content octets, whatever its sign.
@Suite("RFC 3161 timestamp tokens")
struct TimestampTokenTests {
    // A nonce with its top bit set needs a leading zero octet (as sigstore-python's often do);
    // a negative one is legal DER too. Neither may stop a token from being read.
    @Test(arguments: [[0x01, 0x02], [0x00, 0x80, 0x01], [0xff, 0x01], [0x7f]] as [[UInt8]])
    func nonceIsKeptAsEncoded(nonce: [UInt8]) throws {
        let instance = try TestInstance()
        let digest = Array(SHA256.hash(data: Array("signature".utf8)))
        let response = try instance.timestamp(sha256: digest, nonce: nonce, at: instance.epoch)
        let token = try TimestampToken(der: response)
        #expect(token.nonce == nonce)
        #expect(token.imprint == digest)
        let without = try TimestampToken(der: try instance.timestamp(sha256: digest, nonce: nil, at: instance.epoch))
        #expect(without.nonce == nil)
    }
}
