import Testing

@testable import Sigstore

/// The memcmp comparison against `==` on arrays, for every length up to 40 and a change at every
/// position.
@Suite("Byte comparison")
struct SameBytesTests {
    @Test func agreesWithArrayEquality() {
        for length in 0...40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(bytes.sameBytes(as: Array(bytes)))
            #expect(!bytes.sameBytes(as: bytes + [0]))
            #expect(!(bytes + [0]).sameBytes(as: bytes))
            for index in bytes.indices {
                var changed = bytes
                changed[index] ^= 0x80
                #expect(!bytes.sameBytes(as: changed))
                #expect(!changed.sameBytes(as: bytes))
            }
        }
    }
}
