import Foundation

/// Reads PEM blocks leniently: the base64 body may be wrapped at any width or not at all, as
/// several Sigstore services write it (swift-asn1's reader requires 64-character lines).
enum PEM {
    /// The label and DER bytes of the first PEM block in `text`.
    static func decode(_ text: String) -> (label: String, der: [UInt8])? {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(where: { $0.hasPrefix("-----BEGIN ") && $0.hasSuffix("-----") }) else { return nil }
        let label = String(lines[begin].dropFirst("-----BEGIN ".count).dropLast(5))
        guard let end = lines[(begin + 1)...].firstIndex(of: "-----END \(label)-----") else { return nil }
        let body = lines[(begin + 1)..<end].joined()
        guard let der = Data(base64Encoded: body), !der.isEmpty else { return nil }
        return (label, Array(der))
    }
}
