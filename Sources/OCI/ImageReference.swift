/// An image reference as the Docker and OCI tools write it: `[REGISTRY/]REPOSITORY[:TAG][@DIGEST]`.
/// A name without a registry is Docker Hub's (`docker.io`, official images under `library/`).
public struct ImageReference: Sendable, Equatable, CustomStringConvertible {
    /// The registry's host, with its port when one is given.
    public var registry: String
    /// The repository path.
    public var repository: String
    /// The tag, when the reference names one.
    public var tag: String?
    /// The digest, when the reference pins one.
    public var digest: OCIDigest?

    /// A reference of these parts, taken as they are.
    public init(registry: String, repository: String, tag: String?, digest: OCIDigest?) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// Reads a reference; a reference with neither tag nor digest means the tag `latest`.
    public init(_ text: String) throws(OCIError) {
        guard !text.isEmpty, text.utf8.count <= 1024, text.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) else {
            throw OCIError(.reference, "\(text.debugDescription) is not an image reference")
        }
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            digest = try OCIDigest(String(rest[rest.index(after: at)...]))
            rest = rest[..<at]
        }
        let slash = rest.firstIndex(of: "/")
        let first = slash.map { rest[..<$0] } ?? ""
        if let slash, first.contains(".") || first.contains(":") || first == "localhost" {
            registry = String(first)
            rest = rest[rest.index(after: slash)...]
        } else {
            registry = "docker.io"
        }
        if let colon = rest.lastIndex(of: ":") {
            let candidate = rest[rest.index(after: colon)...]
            guard !candidate.isEmpty, candidate.count <= 128, candidate.first != ".", candidate.first != "-",
                candidate.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-" })
            else { throw OCIError(.reference, "\(text): \(candidate) is not a tag") }
            tag = String(candidate)
            rest = rest[..<colon]
        }
        if tag == nil, digest == nil { tag = "latest" }
        let components = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard !components.isEmpty,
            components.allSatisfy({ component in
                !component.isEmpty && component.allSatisfy { ($0.isLowercase && $0.isLetter) || $0.isNumber || "._-".contains($0) }
                    && component.first.map { $0.isLetter || $0.isNumber } == true
            })
        else { throw OCIError(.reference, "\(text): \(rest) is not a repository name (lowercase letters, digits, . _ - between /)") }
        repository = registry == "docker.io" && components.count == 1 ? "library/" + rest : String(rest)
        guard registry.allSatisfy({ $0.isLetter || $0.isNumber || ".-:[]".contains($0) }) else {
            throw OCIError(.reference, "\(text): \(registry) is not a registry host")
        }
    }

    /// The same repository at `digest`.
    public func pinned(to digest: OCIDigest) -> ImageReference {
        var pinned = self
        pinned.tag = nil
        pinned.digest = digest
        return pinned
    }

    /// What the registry is asked for: the digest when there is one, else the tag.
    public var manifestReference: String { digest?.description ?? tag ?? "latest" }

    /// The registry of a reference into an OCI image layout folder, whose repository is the
    /// folder's path. No parsed reference has it: a first component without a dot, colon or
    /// `localhost` is a Docker Hub repository.
    public static let layoutRegistry = "oci-layout"

    /// The reference as written in full; one into a layout folder as `oci-layout:DIR…`.
    public var description: String {
        (registry == Self.layoutRegistry ? "\(registry):\(repository)" : "\(registry)/\(repository)")
            + (tag.map { ":\($0)" } ?? "") + (digest.map { "@\($0)" } ?? "")
    }

    /// Whether the registry is this machine (`localhost`, `127.0.0.1`, `[::1]`), where plain
    /// HTTP is used.
    public var isLoopback: Bool {
        let host = registry.hasPrefix("[") ? String(registry.prefix { $0 != "]" }.dropFirst()) : String(registry.prefix { $0 != ":" })
        return host == "localhost" || host == "127.0.0.1" || host == "::1"
    }
}
