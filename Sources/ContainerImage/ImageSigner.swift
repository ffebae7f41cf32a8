import Foundation
import OCI
import TUF

/// Attaches Sigstore bundles to images in a registry as cosign v3 does: the bundle and the empty
/// config as blobs, the referrer manifest by its digest, and, for a registry without the
/// referrers API, the referrer added to the `sha256-HEX` index the tag schema keeps.
public struct ImageSigner: Sendable {
    /// The registry.
    public let registry: RegistryClient

    /// A signer pushing to `registry`.
    public init(registry: RegistryClient) {
        self.registry = registry
    }

    /// Resolves `reference` to the image it names (for an index and a `platform`, the index's
    /// image for it): its digest and the descriptor a referrer's subject is.
    public func subject(of reference: ImageReference, platform: OCIPlatform? = nil) async throws(OCIError) -> (
        digest: OCIDigest, descriptor: OCIDescriptor
    ) {
        let (digest, manifest) = try await registry.resolve(reference, platform: platform)
        return (digest, OCIDescriptor(mediaType: manifest.mediaType, digest: digest, size: Int64(manifest.bytes.count)))
    }

    /// Pushes `bundle` as a referrer of `subject` in `repository`; returns the referrer's digest.
    public func attach(_ bundle: [UInt8], to subject: OCIDescriptor, in repository: String, predicateType: String?) async throws(OCIError)
        -> OCIDigest
    {
        let (manifest, descriptor) = ImageBundleFormat.referrer(bundle: bundle, subject: subject, predicateType: predicateType)
        _ = try await registry.pushBlob(repository, ImageBundleFormat.emptyConfig)
        _ = try await registry.pushBlob(repository, bundle)
        let digest = try await registry.pushManifest(repository, manifest, mediaType: OCIManifest.imageManifest)
        if try await !registry.hasReferrersAPI(repository, subject: subject.digest) {
            try await registry.addFallbackReferrer(repository, subject: subject.digest, descriptor)
        }
        return digest
    }
}
