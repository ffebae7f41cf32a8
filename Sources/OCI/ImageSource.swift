/// Where images are read from: a registry (``RegistryClient``) or an OCI image layout folder
/// (``ImageLayout``). Every manifest and blob returned has been checked against its digest.
public protocol ImageSource: Sendable {
    /// Resolves `reference` to the digest of the manifest it names, with that manifest.
    func resolve(_ reference: ImageReference) async throws(OCIError) -> (digest: OCIDigest, manifest: OCIManifest)
    /// The manifest `digest` of `repository`.
    func manifest(_ repository: String, digest: OCIDigest) async throws(OCIError) -> OCIManifest
    /// The blob `digest` of `repository`, of `size` bytes when given.
    func blob(_ repository: String, digest: OCIDigest, size: Int64?) async throws(OCIError) -> [UInt8]
    /// The manifests referring to `digest` (of `artifactType`, when given).
    func referrers(_ repository: String, of digest: OCIDigest, artifactType: String?) async throws(OCIError) -> [OCIDescriptor]
}

extension RegistryClient: ImageSource {}
