import Crypto
import TUF

/// A content digest as OCI writes it, `sha256:` and 64 lowercase hex digits; the only
/// algorithm read, so that nothing is addressed by a digest that is not checked.
public struct OCIDigest: Sendable, Hashable, CustomStringConvertible {
    /// The SHA-256.
    public let bytes: [UInt8]

    /// The digest of `content`.
    public init(of content: some Sequence<UInt8>) {
        var hasher = SHA256()
        hasher.update(data: Array(content))
        bytes = Array(hasher.finalize())
    }

    /// Reads `sha256:HEX`.
    public init(_ text: String) throws(OCIError) {
        guard text.hasPrefix("sha256:"), text.utf8.count == 71, let bytes = Hex.decode(String(text.dropFirst(7))),
            text.dropFirst(7).allSatisfy({ $0.isNumber || ("a"..."f").contains($0) })
        else { throw OCIError(.reference, "\(text) is not a sha256 digest (sha256: and 64 lowercase hex digits)") }
        self.bytes = bytes
    }

    /// The digest as written, `sha256:HEX`.
    public var description: String { "sha256:" + hex }

    /// The hex digits.
    public var hex: String { Hex.encode(bytes) }

    /// Checks that `content` has this digest.
    public func check(_ content: [UInt8], at location: String) throws(OCIError) {
        let actual = OCIDigest(of: content)
        guard actual == self else {
            throw OCIError(.malformed, "the content's digest is \(actual), not \(self)", at: location)
        }
    }
}
