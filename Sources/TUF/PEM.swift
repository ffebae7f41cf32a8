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
        return text.withUTF8 { decode($0) }
    }

    /// The label and DER bytes of the first PEM block in the UTF-8 `bytes`.
    package static func decode(_ bytes: [UInt8]) -> (label: String, der: [UInt8])? {
        bytes.withUnsafeBufferPointer { decode($0) }
    }

    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> (label: String, der: [UInt8])? {
        guard let block = block(bytes), let der = der(ofBody: block.base64) else { return nil }
        return (block.label, der)
    }

    /// The DER a block's base64 body (from ``block(_:)``) holds; nil when it is not base64 or empty.
    package static func der(ofBody base64: [UInt8]) -> [UInt8]? {
        guard let der = base64.withUnsafeBufferPointer({ Base64.decode($0) }), !der.isEmpty else { return nil }
        return der
    }

    /// The label and base64 body, line breaks removed, of the first PEM block in the UTF-8
    /// `bytes`; its body is not yet known to be base64: ``der(ofBody:)`` decodes it.
    package static func block(_ bytes: [UInt8]) -> (label: String, base64: [UInt8])? {
        bytes.withUnsafeBufferPointer { block($0) }
    }

    private static func block(_ bytes: UnsafeBufferPointer<UInt8>) -> (label: String, base64: [UInt8])? {
        let begin = Array("-----BEGIN ".utf8)
        let dashes = Array("-----".utf8)
        guard let start = find(begin, in: bytes, from: 0) else { return nil }
        let labelStart = start + begin.count
        guard let labelEnd = find(dashes, in: bytes, from: labelStart) else { return nil }
        let label = Array(bytes[labelStart..<labelEnd])
        let end = Array("-----END ".utf8) + label + dashes
        let bodyStart = labelEnd + dashes.count
        guard let bodyEnd = find(end, in: bytes, from: bodyStart) else { return nil }
        // The base64 without its line breaks (LF, CR, space, tab), copied a run at a time.
        // Base64 characters are all above 0x20, so eight bytes with none at or below it are
        // part of a run, found with one word test; only the few bytes around a line break
        // are looked at one by one.
        guard let base = bytes.baseAddress else { return nil }
        var body: [UInt8] = []
        body.reserveCapacity(bodyEnd - bodyStart)
        var runStart = bodyStart
        var index = bodyStart
        while index < bodyEnd {
            if index + 8 <= bodyEnd {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                if (word &- 0x2121_2121_2121_2121) & ~word & 0x8080_8080_8080_8080 == 0 {
                    index += 8
                    continue
                }
            }
            let byte = base[index]
            if byte == 10 || byte == 13 || byte == 32 || byte == 9 {
                body.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - runStart))
                runStart = index + 1
            }
            index += 1
        }
        body.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: bodyEnd - runStart))
        return (String(decoding: label, as: UTF8.self), body)
    }

    private static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = haystack.baseAddress, let first = needle.first, start <= haystack.count else { return nil }
        return needle.withUnsafeBufferPointer { needle -> Int? in
            guard let needleBase = needle.baseAddress else { return nil }
            var index = start
            // memchr jumps to each candidate first byte; memcmp checks the rest.
            while index <= haystack.count - needle.count,
                let candidate = memchr(base + index, Int32(first), haystack.count - needle.count + 1 - index)
            {
                index = UnsafePointer(candidate.assumingMemoryBound(to: UInt8.self)) - base
                if memcmp(base + index, needleBase, needle.count) == 0 { return index }
                index += 1
            }
            return nil
        }
    }
}
