import Sigstore
import TUF

/// A PEP 740 attestation object, as PyPI serves it and `pypi-attestations` writes it: a signing
/// certificate, the transparency-log entries of the signature, and a DSSE envelope whose payload
/// is an in-toto statement about one distribution file.
///
/// The object is read as written and becomes the Sigstore bundle it stands for: the statement's
/// bytes are the envelope's payload as they were signed, never re-encoded.
public struct PyPIAttestation: Sendable {
    /// The DSSE payload type PEP 740 envelopes carry.
    public static let payloadType = "application/vnd.in-toto+json"

    /// The signing certificate, DER.
    public let certificate: [UInt8]
    /// The transparency-log entries, in protobuf-specs JSON, as the object holds them.
    public let transparencyEntries: [JSONValue]
    /// The in-toto statement, the signed bytes.
    public let statement: [UInt8]
    /// The signature over the statement's DSSE pre-authentication encoding.
    public let signature: [UInt8]

    /// Reads an attestation object from its JSON bytes.
    public init(bytes: [UInt8]) throws(ProvenanceError) {
        guard case .object(let object)? = try? JSONParser().parse(bytes) else {
            throw ProvenanceError(["the attestation is not a JSON object"])
        }
        try self.init(object: object)
    }

    /// Reads an attestation object already parsed (one of a provenance object's).
    public init(object: JSONObject) throws(ProvenanceError) {
        guard object["version"]?.integerValue == 1 else { throw ProvenanceError(["the attestation's version is not 1"]) }
        guard case .object(let material)? = object["verification_material"], case .object(let envelope)? = object["envelope"] else {
            throw ProvenanceError(["the attestation has no verification_material and envelope"])
        }
        certificate = try Self.base64(material["certificate"], "verification_material.certificate")
        guard case .array(let entries)? = material["transparency_entries"], !entries.isEmpty else {
            throw ProvenanceError(["the attestation has no transparency_entries"])
        }
        transparencyEntries = entries
        statement = try Self.base64(envelope["statement"], "envelope.statement")
        signature = try Self.base64(envelope["signature"], "envelope.signature")
    }

    /// The Sigstore bundle (v0.3) the attestation stands for.
    public func bundle() throws(ProvenanceError) -> SigstoreBundle {
        let document: JSONValue = [
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": [
                "certificate": ["rawBytes": .string(Self.text(certificate))],
                "tlogEntries": .array(transparencyEntries),
            ],
            "dsseEnvelope": [
                "payload": .string(Self.text(statement)), "payloadType": .string(Self.payloadType),
                "signatures": [["sig": .string(Self.text(signature))]],
            ],
        ]
        do {
            return try SigstoreBundle(bytes: JSONWriter.prettyPrinted(document))
        } catch {
            throw ProvenanceError(["the attestation does not make a Sigstore bundle: \(error)"])
        }
    }

    private static func text(_ bytes: [UInt8]) -> String {
        String(decoding: Base64.encode(bytes), as: UTF8.self)
    }

    private static func base64(_ value: JSONValue?, _ field: String) throws(ProvenanceError) -> [UInt8] {
        guard let text = value?.stringValue, let bytes = Base64.decode(text), !bytes.isEmpty else {
            throw ProvenanceError(["the attestation's \(field) is not base64"])
        }
        return bytes
    }
}
