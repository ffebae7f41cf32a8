import Crypto
import Foundation
import Plumbing
import Sigstore
import TUF

/// Submits entries to a Rekor transparency log, API v1 (`hashedrekord` and `dsse` 0.0.1, with a
/// signed entry timestamp) or v2 (`hashedrekord` 0.0.2, for DSSE envelopes too, with an inclusion proof only),
/// and returns the entry as a bundle carries it. What it returns is not yet trusted: the signer
/// verifies it with the rest of the bundle.
public struct RekorClient: Sendable {
    /// What to log.
    public enum Entry: Sendable {
        /// A signature over an artifact whose digest by `hash` (the signing key's) is `digest`.
        case messageSignature(digest: [UInt8], hash: VerificationKey.Hash, signature: [UInt8])
        /// A signed DSSE envelope; on a v2 log, logged as the digest by `hash` (the signing
        /// key's) of its pre-authentication encoding.
        case envelope(DSSEEnvelope, hash: VerificationKey.Hash)
    }

    /// Who signed: a certificate or a public key, in DER, with protobuf-specs' name for its scheme.
    public struct Verifier: Sendable {
        /// The certificate's DER, or the key's DER SubjectPublicKeyInfo.
        public var der: [UInt8]
        /// Whether `der` is a certificate.
        public var isCertificate: Bool
        /// The key's scheme, such as `PKIX_ECDSA_P256_SHA_256`.
        public var keyDetails: String

        /// A verifier with these fields.
        public init(der: [UInt8], isCertificate: Bool, keyDetails: String) {
            self.der = der
            self.isCertificate = isCertificate
            self.keyDetails = keyDetails
        }

        /// The verifier as PEM.
        var pem: String { PEM.encode(label: isCertificate ? "CERTIFICATE" : "PUBLIC KEY", der: der) }
    }

    /// The log's base URL.
    public let baseURL: URL
    /// The log's API major version, 1 or 2.
    public let majorVersion: Int
    let transport: any HTTPTransport

    /// A client for the log at `baseURL` speaking API `majorVersion`.
    public init(baseURL: URL, majorVersion: Int, transport: any HTTPTransport) {
        self.baseURL = baseURL
        self.majorVersion = majorVersion
        self.transport = transport
    }

    /// Logs `entry` signed by `verifier`; returns the log's entry.
    public func submit(_ entry: Entry, verifier: Verifier) async throws(SigningError) -> TransparencyLogEntry {
        let request = ServiceRequest(step: .transparencyLog, transport: transport, maximumBytes: 4 << 20)
        if majorVersion == 2 {
            let url = baseURL.appendingPathComponent("api/v2/log/entries")
            let answer = try await request.postJSON(url, Self.requestV2(entry, verifier))
            do {
                return try TransparencyLogEntry(json: JSONWriter.prettyPrinted(answer))
            } catch {
                throw SigningError(.transparencyLog, error)
            }
        }
        let url = baseURL.appendingPathComponent("api/v1/log/entries")
        let answer = try await request.postJSON(url, Self.requestV1(entry, verifier))
        return try Self.entry(fromV1Answer: answer)
    }

    static func requestV1(_ entry: Entry, _ verifier: Verifier) -> JSONValue {
        let pem = JSONValue.string(Data(verifier.pem.utf8).base64EncodedString())
        switch entry {
        case .messageSignature(let digest, let hash, let signature):
            return [
                "apiVersion": "0.0.1", "kind": "hashedrekord",
                "spec": [
                    "data": ["hash": ["algorithm": .string(hash.shortName), "value": .string(Hex.encode(digest))]],
                    "signature": ["content": .string(Data(signature).base64EncodedString()), "publicKey": ["content": pem]],
                ],
            ]
        case .envelope(let envelope, _):
            let envelopeText = String(decoding: JSONWriter.prettyPrinted(envelope.json), as: UTF8.self)
            return [
                "apiVersion": "0.0.1", "kind": "dsse",
                "spec": ["proposedContent": ["envelope": .string(envelopeText), "verifiers": [pem]]],
            ]
        }
    }

    static func requestV2(_ entry: Entry, _ verifier: Verifier) -> JSONValue {
        let raw = JSONValue.string(Data(verifier.der).base64EncodedString())
        let verifierJSON: JSONValue = [
            verifier.isCertificate ? "x509Certificate" : "publicKey": ["rawBytes": raw],
            "keyDetails": .string(verifier.keyDetails),
        ]
        switch entry {
        case .messageSignature(let digest, _, let signature):
            return [
                "hashedRekordRequestV002": [
                    "digest": .string(Data(digest).base64EncodedString()),
                    "signature": ["content": .string(Data(signature).base64EncodedString()), "verifier": verifierJSON],
                ]
            ]
        case .envelope(let envelope, let hash):
            // Rekor v2 takes DSSE envelopes as hashedrekord entries over the pre-authentication
            // encoding (Rekor v2 spec 6.1.4): clients refuse dsse 0.0.2 entries.
            return [
                "hashedRekordRequestV002": [
                    "digest": .string(Data(hash.digest(envelope.preAuthenticationEncoding)).base64EncodedString()),
                    "signature": [
                        "content": .string(Data(envelope.signatures.first?.signature ?? []).base64EncodedString()),
                        "verifier": verifierJSON,
                    ],
                ]
            ]
        }
    }

    /// Reads Rekor v1's answer to an entry submission: one entry keyed by its UUID. What it
    /// returns is only well-formed, not yet verified.
    public static func entry(fromV1Answer answer: JSONValue) throws(SigningError) -> TransparencyLogEntry {
        func failure(_ reason: String) -> SigningError { SigningError(.transparencyLog, "the log's answer \(reason)") }
        guard case .object(let entries) = answer, entries.count == 1, case .object(let entry) = entries.members[0].value else {
            throw failure("is not one entry keyed by its UUID")
        }
        func integer(_ object: JSONObject, _ name: String) throws(SigningError) -> Int64 {
            guard case .integer(let value)? = object[name], value >= 0 else { throw failure("has no \(name)") }
            return value
        }
        func bytes(_ object: JSONObject, _ name: String, hex: Bool) throws(SigningError) -> [UInt8] {
            guard let text = object[name]?.stringValue, let value = hex ? Hex.decode(text) : Base64.decode(text) else {
                throw failure("has no \(name) in \(hex ? "hex" : "base64")")
            }
            return value
        }
        let body = try bytes(entry, "body", hex: false)
        guard case .object(let bodyObject)? = try? JSONParser().parse(body), let kind = bodyObject["kind"]?.stringValue,
            let version = bodyObject["apiVersion"]?.stringValue
        else { throw failure("has a body that is not a Rekor entry") }
        guard case .object(let verification)? = entry["verification"] else { throw failure("has no verification") }
        var proof: InclusionProof?
        if case .object(let proofObject)? = verification["inclusionProof"] {
            guard case .array(let hashList)? = proofObject["hashes"] else { throw failure("has an inclusion proof without hashes") }
            var hashes: [[UInt8]] = []
            for hash in hashList {
                guard let text = hash.stringValue, let value = Hex.decode(text) else { throw failure("has a proof hash that is not hex") }
                hashes.append(value)
            }
            proof = InclusionProof(
                logIndex: try integer(proofObject, "logIndex"),
                rootHash: try bytes(proofObject, "rootHash", hex: true),
                treeSize: try integer(proofObject, "treeSize"),
                hashes: hashes,
                checkpoint: proofObject["checkpoint"]?.stringValue
            )
        }
        return TransparencyLogEntry(
            logIndex: try integer(entry, "logIndex"),
            logID: try bytes(entry, "logID", hex: true),
            kind: kind,
            kindVersion: version,
            integratedTime: try integer(entry, "integratedTime"),
            signedEntryTimestamp: try bytes(verification, "signedEntryTimestamp", hex: false),
            inclusionProof: proof,
            canonicalizedBody: body
        )
    }
}
