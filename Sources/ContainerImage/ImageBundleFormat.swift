import Foundation
import OCI
import TUF

/// cosign v3's way of attaching a Sigstore bundle to an image (cosign `specs/BUNDLE_SPEC.md`):
/// the bundle as a blob, in a manifest whose `artifactType` is the bundle media type, whose
/// config is the empty descriptor and whose `subject` is the image.
public enum ImageBundleFormat {
    /// The bundle media type, the referrer's artifact type and its layer's media type.
    public static let bundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
    /// The predicate type of a plain image signature.
    public static let signPredicateType = "https://sigstore.dev/cosign/sign/v1"
    /// The empty config blob, `{}`.
    public static let emptyConfig: [UInt8] = Array("{}".utf8)

    /// The in-toto v1 statement that `image`, at `digest`, is what is signed: its subject the
    /// image manifest's digest, with `predicateType` and `predicate`.
    public static func statement(
        for image: ImageReference,
        digest: OCIDigest,
        predicateType: String,
        predicate: JSONValue = .object(JSONObject())
    )
        -> [UInt8]
    {
        var digests = JSONObject()
        digests["sha256"] = .string(digest.hex)
        var subject = JSONObject()
        subject["name"] = .string("\(image.registry)/\(image.repository)")
        subject["digest"] = .object(digests)
        var statement = JSONObject()
        statement["_type"] = .string("https://in-toto.io/Statement/v1")
        statement["subject"] = .array([.object(subject)])
        statement["predicateType"] = .string(predicateType)
        statement["predicate"] = predicate
        return OCIManifest.jsonBytes(.object(statement))
    }

    /// The referrer annotation naming the predicate type of the statement a bundle holds.
    public static let predicateTypeAnnotation = "dev.sigstore.bundle.predicateType"

    /// The referrer manifest for `bundle` about `subject`, and the descriptor an index lists it
    /// under, with the annotations that say what the bundle holds.
    public static func referrer(bundle: [UInt8], subject: OCIDescriptor, predicateType: String?, created: Date = Date()) -> (
        manifest: [UInt8], descriptor: OCIDescriptor
    ) {
        let layerDigest = OCIDigest(of: bundle)
        let layer = OCIDescriptor(
            of: bundle,
            mediaType: bundleMediaType,
            annotations: ["org.opencontainers.image.title": "sha256-\(layerDigest.hex).sigstore.json"]
        )
        var annotations = [
            "dev.sigstore.bundle.content": predicateType == nil ? "message-signature" : "dsse-envelope",
            "org.opencontainers.image.created": MetadataDate.format(created),
        ]
        if let predicateType { annotations[predicateTypeAnnotation] = predicateType }
        let manifest = OCIManifest.imageManifestBytes(
            config: OCIDescriptor(of: emptyConfig, mediaType: OCIManifest.emptyMediaType),
            layers: [layer],
            subject: subject,
            artifactType: bundleMediaType,
            annotations: annotations
        )
        let descriptor = OCIDescriptor(
            of: manifest,
            mediaType: OCIManifest.imageManifest,
            artifactType: bundleMediaType,
            annotations: annotations
        )
        return (manifest, descriptor)
    }
}
