import Foundation
import OCI
import Sigstore
import SwiftASN1
import TUF
import X509

/// A signature in cosign's legacy layout (cosign `specs/SIGNATURE_SPEC.md`): one layer of the
/// manifest tagged `sha256-HEX.sig`, whose blob is a simple-signing payload naming the image's
/// digest and whose annotations carry the signature, the certificate and chain, and the Rekor
/// entry's promise. Read as a signed entity, so that the verifier checks it like a bundle, with
/// the payload as the signed artifact.
public struct LegacyImageSignature: SignedEntity {
    /// The legacy signature payload's media type.
    public static let payloadMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"

    /// The signing certificate and its chain.
    public let certificates: [Certificate]
    /// The signature over the payload.
    public let content: SigstoreBundle.Content
    /// The Rekor entry, with its signed entry timestamp.
    public let transparencyLogEntries: [TransparencyLogEntry]
    /// No timestamps: the legacy layout carries none.
    public var timestamps: [[UInt8]] { [] }
    /// The payload, the bytes signed.
    public let payload: [UInt8]
    /// The image digest the payload names.
    public let imageDigest: String

    /// Reads one layer (its descriptor's annotations) and its payload blob.
    public init(layer: OCIDescriptor, payload: [UInt8]) throws(OCIError) {
        let annotations = layer.annotations
        guard layer.mediaType == Self.payloadMediaType else {
            throw OCIError(.malformed, "the layer is not a simple-signing payload (\(layer.mediaType))")
        }
        guard let signatureText = annotations["dev.cosignproject.cosign/signature"], let signature = Base64.decode(signatureText) else {
            throw OCIError(.malformed, "the layer has no base64 dev.cosignproject.cosign/signature annotation")
        }
        guard case .object(let object)? = try? JSONParser().parse(payload), case .object(let critical)? = object["critical"],
            critical["type"]?.stringValue == "cosign container image signature",
            let digest = critical["image"]?.objectValue?["docker-manifest-digest"]?.stringValue
        else { throw OCIError(.malformed, "the payload is not a cosign container image signature naming a digest") }
        self.payload = payload
        imageDigest = digest
        var certificates: [Certificate] = []
        for label in ["dev.sigstore.cosign/certificate", "dev.sigstore.cosign/chain"] {
            guard let pem = annotations[label] else { continue }
            do {
                certificates += try PEMDocument.parseMultiple(pemString: pem).map { try Certificate(derEncoded: $0.derBytes) }
            } catch {
                throw OCIError(.malformed, "the \(label) annotation is not PEM certificates")
            }
        }
        // cosign's chain annotation ends with the root; roots come only from the trusted root, so
        // a self-issued certificate carried here is dropped, never trusted.
        self.certificates = certificates.enumerated().filter { $0.offset == 0 || $0.element.issuer != $0.element.subject }.map(\.element)
        content = .messageSignature(signature: signature, digestAlgorithm: nil, digest: nil)
        if let promise = annotations["dev.sigstore.cosign/bundle"] {
            transparencyLogEntries = [try Self.entry(promise)]
        } else {
            transparencyLogEntries = []
        }
    }

    /// The Rekor entry of cosign's `dev.sigstore.cosign/bundle` annotation:
    /// `{"SignedEntryTimestamp", "Payload": {"body", "integratedTime", "logIndex", "logID"}}`.
    static func entry(_ text: String) throws(OCIError) -> TransparencyLogEntry {
        guard case .object(let object)? = try? JSONParser().parse(Array(text.utf8)),
            let set = object["SignedEntryTimestamp"]?.stringValue.flatMap(Base64.decode), case .object(let payload)? = object["Payload"],
            let bodyText = payload["body"]?.stringValue, let body = Base64.decode(bodyText),
            let integratedTime = payload["integratedTime"]?.integerValue, let logIndex = payload["logIndex"]?.integerValue,
            let logID = payload["logID"]?.stringValue.flatMap(Hex.decode)
        else { throw OCIError(.malformed, "the dev.sigstore.cosign/bundle annotation is not a Rekor promise") }
        guard case .object(let parsed)? = try? JSONParser().parse(body), let kind = parsed["kind"]?.stringValue,
            let version = parsed["apiVersion"]?.stringValue
        else { throw OCIError(.malformed, "the Rekor entry's body is not JSON with a kind and apiVersion") }
        return TransparencyLogEntry(
            logIndex: logIndex,
            logID: logID,
            kind: kind,
            kindVersion: version,
            integratedTime: integratedTime,
            signedEntryTimestamp: set,
            inclusionProof: nil,
            canonicalizedBody: body
        )
    }

    /// The tag cosign's legacy layout keeps an image's signatures under.
    public static func tag(for digest: OCIDigest) -> String { "sha256-\(digest.hex).sig" }
}
