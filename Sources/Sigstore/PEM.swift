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
            // The base64 without its line breaks, copied a line at a time.
            var body: [UInt8] = []
            body.reserveCapacity(bodyEnd - bodyStart)
            var runStart = bodyStart
            for index in bodyStart..<bodyEnd {
                let byte = bytes[index]
                guard byte == 10 || byte == 13 || byte == 32 || byte == 9 else { continue }
                body.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                runStart = index + 1
            }
            body.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bodyEnd]))
            guard let der = body.withUnsafeBufferPointer({ Base64.decode($0) }), !der.isEmpty else { return nil }
            return (String(decoding: label, as: UTF8.self), der)
        }
    }

    private static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = haystack.baseAddress, let first = needle.first, needle.count <= haystack.count else { return nil }
        return needle.withUnsafeBufferPointer { needle -> Int? in
            guard let needleBase = needle.baseAddress else { return nil }
            var index = start
            while index <= haystack.count - needle.count {
                if base[index] == first, memcmp(base + index, needleBase, needle.count) == 0 { return index }
                index += 1
            }
            return nil
        }
    }
}
