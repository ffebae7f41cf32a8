import Crypto
import TUF

extension BundleVerifier {
    /// What the artifact is: its bytes, or only one of its digests.
    public enum Artifact: Sendable {
        /// The artifact's bytes.
        case bytes([UInt8])
        /// The artifact's SHA-256 digest.
        case sha256([UInt8])
        /// The artifact's SHA-384 digest.
        case sha384([UInt8])
        /// The artifact's SHA-512 digest (npm's in-toto subjects carry only this one).
        case sha512([UInt8])

        /// Why a digest argument was refused.
        public struct DigestError: Error, Sendable, CustomStringConvertible {
            /// What was wrong, naming the argument.
            public let description: String
        }

        /// The digest in a command-line argument of the form `sha256:`, `sha384:` or `sha512:`
        /// followed by the digest in hex; nil for an argument with none of those prefixes.
        /// (Callers take an argument that is also a file's path as the path.)
        ///
        /// - Throws: when the prefix is there but the hex is not a digest of that length.
        public init?(digestArgument argument: String) throws(DigestError) {
            let lowered = argument.prefix(7).lowercased()
            guard let hash = VerificationKey.Hash.all.first(where: { "\($0.shortName):" == lowered }) else { return nil }
            let hex = argument.dropFirst(7)
            guard hex.utf8.count == hash.length * 2, let digest = Hex.decode(String(hex)) else {
                let shown = TerminalText.escaped(String(argument.prefix(160)))
                throw DigestError(
                    description:
                        "\(shown): a \(hash.shortName) digest is \(hash.length * 2) hex digits after \(hash.shortName): (found \(hex.utf8.count) characters\(Hex.decode(String(hex)) == nil && !hex.isEmpty ? ", not all hex" : ""))"
                )
            }
            self = Self(hash, digest)
        }

        /// The artifact given by its digest `digest` by `hash`.
        public init(_ hash: VerificationKey.Hash, _ digest: [UInt8]) {
            switch hash {
            case .sha256: self = .sha256(digest)
            case .sha384: self = .sha384(digest)
            case .sha512: self = .sha512(digest)
            }
        }

        /// The artifact's digest by `hash`: computed from the bytes, or the digest given if it is
        /// that one; nil when only another digest is known.
        public func digest(_ hash: VerificationKey.Hash) -> [UInt8]? {
            switch (self, hash) {
            case (.bytes(let bytes), _): return hash.digest(bytes)
            case (.sha256(let digest), .sha256), (.sha384(let digest), .sha384), (.sha512(let digest), .sha512): return digest
            default: return nil
            }
        }
    }
}
