import Foundation
import Plumbing
import TUF

/// An OCI image layout folder (`oci-layout`, `index.json`, `blobs/sha256/…`) read as a registry
/// for verifying with no network, and written by ``save(_:from:repository:)``: the image, and
/// every referrer listed in `index.json` beside it with its artifact type.
///
/// Paths are resolved inside the folder without following symbolic links; every blob read is
/// checked against its digest.
public struct ImageLayout: ImageSource {
    /// The folder.
    public let path: String
    /// The answers' limits.
    public var limits = RegistryClient.Limits()

    /// The layout in `path`.
    public init(path: String) {
        self.path = path
    }

    func folder() throws(OCIError) -> ConfinedDirectory {
        let opened: ConfinedDirectory?
        do {
            opened = try ConfinedDirectory.open(path)
        } catch {
            throw OCIError(.malformed, error.reason, at: path)
        }
        guard let opened else { throw OCIError(.notFound, "there is no such folder", at: path) }
        return opened
    }

    func read(_ relative: String, limit: Int) throws(OCIError) -> [UInt8] {
        let folder = try folder()
        let bytes: [UInt8]?
        do {
            bytes = try folder.read(relative, limit: limit)
        } catch {
            throw OCIError(.malformed, error.reason, at: "\(path)/\(relative)")
        }
        guard let bytes else { throw OCIError(.notFound, "the layout has no \(relative)", at: path) }
        return bytes
    }

    /// The index: every manifest the layout lists.
    public func index() throws(OCIError) -> [OCIDescriptor] {
        let bytes = try read("index.json", limit: limits.manifestBytes)
        return try OCIManifest(bytes: bytes, mediaType: OCIManifest.imageIndex, at: "\(path)/index.json").entries
    }

    /// The manifest `reference` names: its digest, or the tag in an
    /// `org.opencontainers.image.ref.name` annotation.
    public func resolve(_ reference: ImageReference) async throws(OCIError) -> (digest: OCIDigest, manifest: OCIManifest) {
        let digest: OCIDigest
        if let pinned = reference.digest {
            digest = pinned
        } else {
            let tagged = try index().filter { $0.annotations["org.opencontainers.image.ref.name"] == reference.tag }
            guard let first = tagged.first, tagged.count == 1 else {
                throw OCIError(
                    tagged.isEmpty ? .notFound : .malformed,
                    "the layout tags \(tagged.count) manifests \(reference.tag ?? "")",
                    at: path
                )
            }
            digest = first.digest
        }
        let found = try await manifest("", digest: digest)
        return (digest, found)
    }

    /// The manifest `digest`, checked.
    public func manifest(_ repository: String, digest: OCIDigest) async throws(OCIError) -> OCIManifest {
        let bytes = try read("blobs/sha256/\(digest.hex)", limit: limits.manifestBytes)
        try digest.check(bytes, at: "\(path)/blobs/sha256/\(digest.hex)")
        return try OCIManifest(bytes: bytes, at: "\(path)/blobs/sha256/\(digest.hex)")
    }

    /// The blob `digest`, checked.
    public func blob(_ repository: String, digest: OCIDigest, size: Int64?) async throws(OCIError) -> [UInt8] {
        let bytes = try read("blobs/sha256/\(digest.hex)", limit: limits.blobBytes)
        try digest.check(bytes, at: "\(path)/blobs/sha256/\(digest.hex)")
        if let size, Int64(bytes.count) != size {
            throw OCIError(.malformed, "the blob holds \(bytes.count) bytes, not \(size)", at: "\(path)/blobs/sha256/\(digest.hex)")
        }
        return bytes
    }

    /// The manifests whose subject is `digest`: those `index.json` lists with an artifact type,
    /// and those of the index tagged `sha256-HEX` (the tag schema, as a copy from a registry
    /// without the referrers API carries it).
    public func referrers(_ repository: String, of digest: OCIDigest, artifactType: String?) async throws(OCIError) -> [OCIDescriptor] {
        let listed = try index()
        var candidates = listed.filter { $0.artifactType != nil }
        let fallbackTag = RegistryClient.fallbackTag(digest)
        // A copy of the tag schema's index may have lost its entries' artifact types: each is
        // read, and kept when its manifest's subject is the image.
        for tagged in listed where tagged.annotations["org.opencontainers.image.ref.name"] == fallbackTag {
            let fallback = try await manifest(repository, digest: tagged.digest)
            if fallback.isIndex { candidates += fallback.entries.prefix(64) }
        }
        var referrers: [OCIDescriptor] = []
        for descriptor in candidates where descriptor.digest != digest && !referrers.contains(where: { $0.digest == descriptor.digest }) {
            guard artifactType == nil || descriptor.artifactType == artifactType else { continue }
            let manifest = try await manifest(repository, digest: descriptor.digest)
            if manifest.subject?.digest == digest { referrers.append(descriptor) }
        }
        return referrers
    }

    /// The most images an index may list for ``save(_:from:repository:)`` to copy it whole.
    public static let maximumIndexEntries = 64

    /// Copies the image `reference` names from `source`, with every referrer of it (their
    /// manifests and blobs), into this layout, tagging the image with its tag when it has one.
    /// An image index is copied whole: every image it lists (at most ``maximumIndexEntries``,
    /// none of them an index) with its referrers, so that each platform's image verifies from
    /// the layout. Returns the digest `reference` resolves to. Files are written atomically;
    /// blobs already there are kept.
    @discardableResult
    public func save(_ reference: ImageReference, from source: some ImageSource, repository: String) async throws(OCIError) -> OCIDigest {
        let (digest, manifest) = try await source.resolve(reference)
        let folder: ConfinedDirectory
        do {
            folder = try ConfinedDirectory.create(path)
        } catch {
            throw OCIError(.malformed, error.reason, at: path)
        }
        func put(_ bytes: [UInt8]) throws(OCIError) {
            do {
                try folder.write(bytes, to: "blobs/sha256/\(OCIDigest(of: bytes).hex)")
            } catch {
                throw OCIError(.malformed, error.reason, at: path)
            }
        }
        func copy(_ manifest: OCIManifest) async throws(OCIError) {
            for descriptor in [manifest.config].compactMap({ $0 }) + manifest.entries where !manifest.isIndex {
                try put(try await source.blob(repository, digest: descriptor.digest, size: descriptor.size))
            }
            try put(manifest.bytes)
        }
        /// Copies the manifests referring to `subject`, with their blobs; returns their entries.
        func copyReferrers(of subject: OCIDigest) async throws(OCIError) -> [OCIDescriptor] {
            var entries: [OCIDescriptor] = []
            for referrer in try await source.referrers(repository, of: subject, artifactType: nil) {
                let referring = try await source.manifest(repository, digest: referrer.digest)
                try await copy(referring)
                entries.append(
                    OCIDescriptor(
                        mediaType: referring.mediaType,
                        digest: referrer.digest,
                        size: Int64(referring.bytes.count),
                        artifactType: referring.artifactType ?? referrer.artifactType,
                        annotations: referring.annotations
                    )
                )
            }
            return entries
        }
        var annotations: [String: String] = [:]
        if let tag = reference.tag { annotations["org.opencontainers.image.ref.name"] = tag }
        var entries = [
            OCIDescriptor(mediaType: manifest.mediaType, digest: digest, size: Int64(manifest.bytes.count), annotations: annotations)
        ]
        if manifest.isIndex {
            guard manifest.entries.count <= Self.maximumIndexEntries else {
                throw OCIError(
                    .malformed,
                    "the index lists \(manifest.entries.count) images, more than the \(Self.maximumIndexEntries) saved whole",
                    at: "\(reference.pinned(to: digest))"
                )
            }
            // Every listed manifest is read and checked before anything is written, so that an
            // index refused for what it lists leaves the layout as it was.
            var images: [(digest: OCIDigest, manifest: OCIManifest)] = []
            for image in manifest.entries {
                let child = try await source.manifest(repository, digest: image.digest)
                guard !child.isIndex else {
                    throw OCIError(.malformed, "the index lists another index, \(image.digest)", at: "\(reference.pinned(to: digest))")
                }
                images.append((image.digest, child))
            }
            for image in images {
                try await copy(image.manifest)
                entries += try await copyReferrers(of: image.digest)
            }
        }
        try await copy(manifest)
        entries += try await copyReferrers(of: digest)
        let kept = ((try? index()) ?? []).filter { old in !entries.contains { $0.digest == old.digest } }
        do {
            try folder.write(Array(#"{"imageLayoutVersion":"1.0.0"}"#.utf8), to: "oci-layout")
            try folder.write(OCIManifest.imageIndexBytes(kept + entries), to: "index.json")
        } catch {
            throw OCIError(.malformed, error.reason, at: path)
        }
        return digest
    }
}
