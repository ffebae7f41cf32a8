/// What build provenance must say, as slsa-verifier asks it: the source repository, the ref it
/// was built from, and optionally the builder.
public struct ProvenancePolicy: Sendable, Equatable {
    /// The ref the build must come from.
    public enum SourceRef: Sendable, Equatable {
        /// A branch: `refs/heads/NAME`.
        case branch(String)
        /// A tag, exactly: `refs/tags/NAME`.
        case tag(String)
        /// A semantic-version tag whose leading components are these (`v1` takes `v1.4.2`, `v1.2`
        /// takes `v1.2.7`; neither takes `v10.0.0`).
        case versionedTag(String)
    }

    /// The source repository, `github.com/ORG/REPO` (a scheme may be given).
    public var sourceURI: String
    /// The ref, when one is required.
    public var sourceRef: SourceRef?
    /// The builder's id, when one is required (with or without its `@ref`).
    public var builderID: String?
    /// The repository owner, as `gh attestation verify --owner` takes it (`ORG`): the
    /// certificate's source repository owner URI must be `https://HOST/ORG`.
    public var owner: String?
    /// The workflow that signed, as `gh attestation verify --signer-workflow` takes it
    /// (`[HOST/]ORG/REPO/.github/workflows/FILE`): the certificate's build signer URI without its
    /// `@ref`.
    public var signerWorkflow: String?

    /// A policy.
    public init(
        sourceURI: String,
        sourceRef: SourceRef? = nil,
        builderID: String? = nil,
        owner: String? = nil,
        signerWorkflow: String? = nil
    ) {
        self.sourceURI = sourceURI
        self.sourceRef = sourceRef
        self.builderID = builderID
        self.owner = owner
        self.signerWorkflow = signerWorkflow
    }

    /// The repository as the certificate's Fulcio extension writes it: `https://HOST/ORG/REPO`.
    var repositoryURI: String {
        var uri = sourceURI
        if uri.hasPrefix("git+") { uri.removeFirst(4) }
        if !uri.contains("://") { uri = "https://" + uri }
        while uri.hasSuffix("/") { uri.removeLast() }
        if uri.hasSuffix(".git") { uri.removeLast(4) }
        return uri
    }

    /// Whether `ref` (`refs/...`) is the one required.
    func accepts(ref: String) -> Bool {
        switch sourceRef {
        case nil: return true
        case .branch(let name): return ref == "refs/heads/\(name)"
        case .tag(let name): return ref == "refs/tags/\(name)"
        case .versionedTag(let prefix):
            guard ref.hasPrefix("refs/tags/") else { return false }
            let tag = String(ref.dropFirst("refs/tags/".count))
            let wanted = Self.versionParts(prefix)
            let found = Self.versionParts(tag)
            guard let wanted, let found, !wanted.isEmpty, wanted.count <= found.count else { return false }
            return Array(found.prefix(wanted.count)) == wanted
        }
    }

    /// Whether `prefix` is a version a versioned tag can be required to start with.
    public static func versionPrefixIsValid(_ prefix: String) -> Bool { versionParts(prefix) != nil }

    /// The numeric components of `vX.Y.Z` (pre-release and build suffixes kept off).
    static func versionParts(_ text: String) -> [Int]? {
        guard text.hasPrefix("v") else { return nil }
        let core = text.dropFirst().prefix { $0 != "-" && $0 != "+" }
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.count <= 3 else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 9, part.allSatisfy(\.isNumber), let value = Int(part) else { return nil }
            numbers.append(value)
        }
        return numbers
    }
}
