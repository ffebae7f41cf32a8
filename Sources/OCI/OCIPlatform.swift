/// A platform an image index lists an image for: `os/architecture[/variant]`, as `--platform`
/// takes it (`linux/amd64`, `linux/arm64/v8`).
public struct OCIPlatform: Sendable, Equatable, CustomStringConvertible {
    /// The operating system.
    public let os: String
    /// The CPU architecture.
    public let architecture: String
    /// The variant, when one is required.
    public let variant: String?

    /// Parses `os/architecture[/variant]`; each part lower-case letters, digits, `.`, `_` or `-`.
    public init(_ text: String) throws(OCIError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let valid =
            (2...3).contains(parts.count)
            && parts.allSatisfy { part in
                !part.isEmpty && part.count <= 64
                    && part.unicodeScalars.allSatisfy {
                        ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)
                    }
            }
        guard valid else { throw OCIError(.reference, "\(text) is not a platform (os/architecture[/variant])") }
        os = parts[0]
        architecture = parts[1]
        variant = parts.count == 3 ? parts[2] : nil
    }

    /// `os/architecture[/variant]`.
    public var description: String { [os, architecture, variant].compactMap { $0 }.joined(separator: "/") }

    /// Whether an index entry for `listed` (`os/architecture[/variant]`) is for this platform:
    /// the same system and architecture, and the same variant when this one names one.
    public func matches(_ listed: String) -> Bool {
        let parts = listed.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, parts[0] == os, parts[1] == architecture else { return false }
        guard let variant else { return true }
        return parts.count == 3 && parts[2] == variant
    }
}

extension ImageSource {
    /// Resolves `reference` and, when it names an image index and `platform` is given, the
    /// index's image for that platform: its digest and manifest, checked against the digest the
    /// index lists. A platform the index lists more than once, or not at all, or one given for an
    /// image that is no index, is refused rather than guessed.
    public func resolve(_ reference: ImageReference, platform: OCIPlatform?) async throws(OCIError) -> (
        digest: OCIDigest, manifest: OCIManifest
    ) {
        let resolved = try await resolve(reference)
        guard let platform else { return resolved }
        let location = reference.pinned(to: resolved.digest).description
        guard resolved.manifest.isIndex else {
            throw OCIError(.notFound, "the image is not an index of platforms, so --platform \(platform) does not apply", at: location)
        }
        let candidates = resolved.manifest.entries.filter { $0.platform.map(platform.matches) ?? false }
        guard let entry = candidates.first else {
            let listed = resolved.manifest.entries.compactMap(\.platform)
            throw OCIError(
                .notFound,
                "the index lists no image for \(platform)" + (listed.isEmpty ? "" : " (it lists \(listed.joined(separator: ", ")))"),
                at: location
            )
        }
        guard candidates.count == 1 else {
            throw OCIError(.malformed, "the index lists \(candidates.count) images for \(platform): name the variant", at: location)
        }
        let chosen = try await manifest(reference.repository, digest: entry.digest)
        return (entry.digest, chosen)
    }
}
