import Foundation

/// Reads PEM blocks leniently: the base64 body may be wrapped at any width or not at all, as
/// several Sigstore services write it (swift-asn1's reader requires 64-character lines).
package enum PEM {
    /// `der` as a PEM block labelled `label`: 64-character lines ending in LF, as Rekor and the
    /// verifiers that rebuild a log entry's body from a bundle write it.
    package static func encode(label: String, der: [UInt8]) -> String {
        "-----BEGIN \(label)-----\n" + Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            + "\n-----END \(label)-----\n"
    }

    /// The label and DER bytes of the first PEM block in `text`.
    package static func decode(_ text: String) -> (label: String, der: [UInt8])? {
        var text = text
        return text.withUTF8 { bytes -> (String, [UInt8])? in
            let begin = Array("-----BEGIN ".utf8)
            let dashes = Array("-----".utf8)
            guard let start = find(begin, in: bytes, from: 0) else { return nil }
            let labelStart = start + begin.count
            guard let labelEnd = find(dashes, in: bytes, from: labelStart) else { return nil }
            let label = Array(bytes[labelStart..<labelEnd])
            let end = Array("-----END ".utf8) + label + dashes
            let bodyStart = labelEnd + dashes.count
            guard let bodyEnd = find(end, in: bytes, from: bodyStart) else { return nil }
            var body: [UInt8] = []
            body.reserveCapacity(bodyEnd - bodyStart)
            for byte in bytes[bodyStart..<bodyEnd] where byte != 10 && byte != 13 && byte != 32 && byte != 9 { body.append(byte) }
            guard let der = body.withUnsafeBufferPointer({ Base64.decode($0) }), !der.isEmpty else { return nil }
            return (String(decoding: label, as: UTF8.self), der)
        }
    }

    private static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0], haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
