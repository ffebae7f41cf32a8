import Foundation
import TUF
import X509

/// A Sigstore bundle (protobuf-specs `Bundle`, v0.1 to v0.3): a signature over an artifact or a
/// DSSE envelope, with what verifies it — the signing certificate or a key hint, transparency-log
/// entries and RFC 3161 timestamps.
public struct SigstoreBundle: Sendable {
    /// The bundle format's version.
    public enum Version: String, Sendable, Comparable {
        case v0_1 = "0.1"
        case v0_2 = "0.2"
        case v0_3 = "0.3"

        /// Orders versions by age.
        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// What is signed.
    public enum Content: Sendable {
        /// A signature over the artifact, with the artifact's digest as an unauthenticated hint.
        case messageSignature(signature: [UInt8], digestAlgorithm: String?, digest: [UInt8]?)
        /// A DSSE envelope, usually around an in-toto statement.
        case envelope(DSSEEnvelope)
    }

    /// The format version.
    public var version: Version
    /// The signing certificate first, then any intermediates the bundle carries; empty for a
    /// managed key.
    public private(set) var certificates: [Certificate]
    /// The signing certificate's DER as the bundle carries it, which the log entry must name;
    /// set exactly when ``certificates`` is not empty.
    public private(set) var leafCertificateDER: [UInt8]?
    /// The signing certificate's base64 text as the bundle carries it.
    public private(set) var leafCertificateBase64: [UInt8]?
    /// The key hint of a bundle signed with a managed key.
    public var publicKeyHint: String?
    /// Transparency-log entries.
    public var transparencyLogEntries: [TransparencyLogEntry]
    /// RFC 3161 timestamp tokens (DER), as `signedTimestamp` holds them.
    public var timestamps: [[UInt8]]
    /// The signature and what it covers.
    public var content: Content

    /// The signing certificate, if the bundle has one.
    public var leafCertificate: Certificate? { certificates.first }

    /// Reads a bundle. Every field a version requires must be present and well-formed.
    public init(bytes: [UInt8]) throws(VerificationError) {
        let bundle = try ProtoObject(parsing: bytes, what: "bundle", check: .bundle)
        let mediaType = try bundle.string("mediaType")
        switch mediaType {
        case "application/vnd.dev.sigstore.bundle+json;version=0.1": version = .v0_1
        case "application/vnd.dev.sigstore.bundle+json;version=0.2": version = .v0_2
        case "application/vnd.dev.sigstore.bundle+json;version=0.3", "application/vnd.dev.sigstore.bundle.v0.3+json": version = .v0_3
        default: throw VerificationError(.bundle, "unsupported bundle media type \(mediaType)")
        }

        let material = try bundle.object("verificationMaterial")
        certificates = []
        leafCertificateDER = nil
        leafCertificateBase64 = nil
        publicKeyHint = nil
        if let chain = try material.optionalObject("x509CertificateChain") {
            // Version 0.3 carries the signing certificate alone; a chain there is refused by
            // sigstore-go and sigstore-python, and so here.
            guard version < .v0_3 else {
                throw material.failure(
                    "x509CertificateChain",
                    "is not allowed in bundle version 0.3 and later, which carry certificate instead"
                )
            }
            let entries = try chain.objects("certificates")
            guard !entries.isEmpty else { throw chain.failure("certificates", "is empty: no signing certificate") }
            for entry in entries {
                let (certificate, der, text) = try Self.certificate(entry)
                certificates.append(certificate)
                if leafCertificateDER == nil { (leafCertificateDER, leafCertificateBase64) = (der, text) }
            }
        } else if let single = try material.optionalObject("certificate") {
            guard version >= .v0_3 else { throw material.failure("certificate", "needs bundle version 0.3 or later") }
            let (certificate, der, text) = try Self.certificate(single)
            certificates = [certificate]
            (leafCertificateDER, leafCertificateBase64) = (der, text)
        } else if let key = try material.optionalObject("publicKey") {
            publicKeyHint = try key.optionalString("hint") ?? ""
        } else {
            throw material.failure("content", "has no certificate, certificate chain or public key")
        }
        transparencyLogEntries = []
        for entry in try material.objects("tlogEntries") {
            transparencyLogEntries.append(try TransparencyLogEntry(entry, version: version))
        }
        timestamps = []
        if let data = try material.optionalObject("timestampVerificationData") {
            for timestamp in try data.objects("rfc3161Timestamps") { timestamps.append(try timestamp.bytes("signedTimestamp")) }
        }

        if let message = try bundle.optionalObject("messageSignature") {
            let digest = try message.optionalObject("messageDigest")
            content = .messageSignature(
                signature: try message.bytes("signature"),
                digestAlgorithm: try digest?.optionalString("algorithm"),
                digest: try digest?.optionalBytes("digest")
            )
        } else if let envelope = try bundle.optionalObject("dsseEnvelope") {
            content = .envelope(try DSSEEnvelope(envelope))
        } else {
            throw VerificationError(.bundle, "bundle has neither messageSignature nor dsseEnvelope")
        }
    }

    /// A certificate field's certificate, DER and base64 text.
    static func certificate(_ object: ProtoObject) throws(VerificationError) -> (Certificate, [UInt8], [UInt8]) {
        let (der, text, _) = try object.bytesWithText("rawBytes")
        do {
            return (try Certificate(derEncoded: der), der, Array(text.utf8))
        } catch {
            throw VerificationError(.bundle, "\(object.path) is not an X.509 certificate: \(error)")
        }
    }
}

/// A DSSE envelope: a typed payload and signatures over its pre-authentication encoding.
public struct DSSEEnvelope: Sendable, Equatable {
    /// The payload's bytes.
    public var payload: [UInt8]
    /// The payload's type, such as `application/vnd.in-toto+json`.
    public var payloadType: String
    /// The signatures, with their optional key ids.
    public var signatures: [Signature]

    /// One signature.
    public struct Signature: Sendable, Equatable {
        /// The signature bytes.
        public var signature: [UInt8]
        /// The key id the signer gave, often empty.
        public var keyID: String

        /// A signature with an optional key id.
        public init(signature: [UInt8], keyID: String = "") {
            self.signature = signature
            self.keyID = keyID
        }
    }

    /// An envelope of `payload` of `payloadType` with `signatures`.
    public init(payload: [UInt8], payloadType: String, signatures: [Signature]) {
        self.payload = payload
        self.payloadType = payloadType
        self.signatures = signatures
    }

    init(_ object: ProtoObject) throws(VerificationError) {
        payload = try object.bytes("payload")
        payloadType = try object.string("payloadType")
        signatures = []
        for signature in try object.objects("signatures") {
            signatures.append(Signature(signature: try signature.bytes("sig"), keyID: try signature.optionalString("keyid") ?? ""))
        }
    }

    /// DSSE's pre-authentication encoding of the payload: what the signatures cover.
    public var preAuthenticationEncoding: [UInt8] {
        let type = Array(payloadType.utf8)
        return Array("DSSEv1 \(type.count) ".utf8) + type + Array(" \(payload.count) ".utf8) + payload
    }
}

/// A transparency-log entry as a bundle carries it.
public struct TransparencyLogEntry: Sendable {
    /// The entry's index in the log (as Rekor v1 numbers it globally across shards).
    public var logIndex: Int64
    /// The id of the log.
    public var logID: [UInt8]
    /// The entry type (`hashedrekord`, `dsse`, `intoto`) and its version.
    public var kind: String
    /// See ``kind``.
    public var kindVersion: String
    /// When the log integrated the entry (Rekor v1; absent from Rekor v2 entries).
    public var integratedTime: Int64?
    /// The log's signed promise to include the entry (Rekor v1).
    public var signedEntryTimestamp: [UInt8]?
    /// The proof that the entry is in the log.
    public var inclusionProof: InclusionProof?
    /// The entry body the log recorded.
    public var canonicalizedBody: [UInt8] {
        didSet { canonicalizedBodyBase64 = nil }
    }
    /// The bundle's text of ``canonicalizedBody`` when it is the standard, padded base64 a
    /// signed entry timestamp covers, so that checking one need not encode the body again.
    /// Dropped whenever the body changes, so it never stands for another body.
    package private(set) var canonicalizedBodyBase64: String?

    init(_ object: ProtoObject, version: SigstoreBundle.Version) throws(VerificationError) {
        logIndex = try object.int64("logIndex")
        guard logIndex >= 0 else { throw object.failure("logIndex", "is negative") }
        logID = try object.object("logId").bytes("keyId")
        let kindVersion = try object.object("kindVersion")
        kind = try kindVersion.string("kind")
        self.kindVersion = try kindVersion.string("version")
        integratedTime = try object.optionalInt64("integratedTime")
        if let time = integratedTime, time < 0 { throw object.failure("integratedTime", "is negative") }
        if integratedTime == 0 { integratedTime = nil }
        signedEntryTimestamp = try object.optionalObject("inclusionPromise")?.bytes("signedEntryTimestamp")
        inclusionProof = try object.optionalObject("inclusionProof").map { (proof) throws(VerificationError) in try InclusionProof(proof) }
        let (body, bodyText, isStandard) = try object.bytesWithText("canonicalizedBody")
        canonicalizedBody = body
        canonicalizedBodyBase64 = isStandard ? bodyText : nil
        if version == .v0_1 {
            guard signedEntryTimestamp != nil else { throw object.failure("inclusionPromise", "is missing: a v0.1 bundle needs it") }
        } else {
            guard inclusionProof != nil else { throw object.failure("inclusionProof", "is missing: bundles from v0.2 on need it") }
        }
    }
}

/// An RFC 6962 inclusion proof and the checkpoint it leads to.
public struct InclusionProof: Sendable {
    /// The entry's index within the tree the proof is for.
    public var logIndex: Int64
    /// The tree's root hash.
    public var rootHash: [UInt8]
    /// The tree's size.
    public var treeSize: Int64
    /// The sibling hashes, from the leaf up.
    public var hashes: [[UInt8]]
    /// The signed checkpoint (a signed note) naming the tree size and root hash.
    public var checkpoint: String?

    init(_ object: ProtoObject) throws(VerificationError) {
        logIndex = try object.int64("logIndex")
        rootHash = try object.bytes("rootHash")
        treeSize = try object.int64("treeSize")
        guard logIndex >= 0, treeSize > logIndex else {
            throw object.failure("logIndex", "must be non-negative and below treeSize")
        }
        hashes = []
        for (index, value) in try object.array("hashes").enumerated() {
            guard case .string(let text) = value, let hash = ProtoObject.base64(text) else {
                throw object.failure("hashes[\(index)]", "is not base64")
            }
            hashes.append(hash)
        }
        checkpoint = try object.optionalObject("checkpoint")?.optionalString("envelope")
    }
}
