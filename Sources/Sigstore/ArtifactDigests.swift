/// The digests of one artifact, each computed at most once and only when a check asks for it:
/// an entry, a message digest or a key's scheme may each name SHA-256, SHA-384 or SHA-512,
/// and the artifact may be large.
public final class ArtifactDigests {
    /// The artifact: its bytes, or the one digest it was given by.
    public let artifact: BundleVerifier.Artifact
    private var computed: [VerificationKey.Hash: [UInt8]] = [:]

    /// Nothing computed yet of `artifact`.
    public init(_ artifact: BundleVerifier.Artifact) {
        self.artifact = artifact
    }

    /// The artifact's digest by `hash`; nil when the artifact was given by another digest.
    public func digest(_ hash: VerificationKey.Hash) -> [UInt8]? {
        if let known = computed[hash] { return known }
        guard let digest = artifact.digest(hash) else { return nil }
        computed[hash] = digest
        return digest
    }

    /// The digest by `hash`, or a failure of `check` that says which digest is needed.
    public func require(_ hash: VerificationKey.Hash, for check: VerificationError.Check, _ what: String) throws(VerificationError)
        -> [UInt8]
    {
        guard let digest = digest(hash) else {
            throw VerificationError(
                check,
                "\(what) the artifact's \(hash.rawValue) digest: give the artifact or its \(hash.shortName): digest"
            )
        }
        return digest
    }
}
