import Foundation
import TUF
import Testing

/// The block decoder against a bit-at-a-time reference, on every encoding of random bytes and on
/// random text from the alphabet, padding and a few characters outside it; the encoder against
/// Foundation's.
@Suite("Base64")
struct Base64Tests {
    /// The straightforward decoder: six bits in, a byte out whenever eight have gathered.
    static func reference(_ text: String) -> [UInt8]? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let input = Array(text.utf8)
        var length = input.count
        while length > 0, input[length - 1] == UInt8(ascii: "=") { length -= 1 }
        guard input.count - length <= 2, length % 4 != 1 else { return nil }
        if input.count != length, input.count % 4 != 0 { return nil }
        var output: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in input[0..<length] {
            let value: Int
            if let index = alphabet.firstIndex(of: byte) {
                value = index
            } else if byte == UInt8(ascii: "-") {
                value = 62
            } else if byte == UInt8(ascii: "_") {
                value = 63
            } else {
                return nil
            }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        guard accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return output
    }

    /// Every spelling of `bytes` a decoder takes, the standard padded one first: with and without
    /// padding, in the standard and the URL-safe alphabet.
    static func spellings(_ bytes: [UInt8]) -> [String] {
        let padded = Data(bytes).base64EncodedString()
        let urlSafe = padded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        return [padded, urlSafe].flatMap { [$0, $0.replacingOccurrences(of: "=", with: "")] }
    }

    @Test func encodingsOfRandomBytesDecodeBack() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            for text in Self.spellings(bytes) {
                #expect(Base64.decode(text) == bytes, "\(text)")
            }
        }
    }

    @Test func encodingAgreesWithFoundation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(String(decoding: Base64.encode(bytes), as: UTF8.self) == Data(bytes).base64EncodedString())
        }
    }

    /// A text is called standard exactly when the encoder writes it for the bytes it decodes to:
    /// what lets a signed entry timestamp be checked over the bundle's own text.
    @Test func standardFormIsExactlyTheEncodersOutput() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<100 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let spellings = Self.spellings(bytes)
            // Without padding (when there is any) or in the URL-safe alphabet (when it differs), not standard.
            for text in spellings {
                #expect(
                    Base64.decodeNotingForm(text).map { $0.bytes == bytes && $0.isStandard == (text == spellings[0]) } == true,
                    "\(text)"
                )
            }
        }
        let characters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_==")
        for _ in 0..<20_000 {
            let text = String((0..<Int.random(in: 0...13, using: &generator)).map { _ in characters.randomElement(using: &generator)! })
            guard let (bytes, isStandard) = Base64.decodeNotingForm(text) else {
                #expect(Self.reference(text) == nil, "\(text)")
                continue
            }
            #expect(bytes == Self.reference(text), "\(text)")
            #expect(isStandard == (String(decoding: Base64.encode(bytes), as: UTF8.self) == text), "\(text)")
        }
    }

    @Test func randomTextAgreesWithTheReference() {
        var generator = SystemRandomNumberGenerator()
        let characters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=== .\n\u{e9}")
        for _ in 0..<20_000 {
            let text = String((0..<Int.random(in: 0...13, using: &generator)).map { _ in characters.randomElement(using: &generator)! })
            #expect(Base64.decode(text) == Self.reference(text), "\(text.debugDescription)")
        }
    }
}
