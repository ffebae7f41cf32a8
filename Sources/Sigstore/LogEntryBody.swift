import Crypto
import Foundation
import SwiftASN1
import TUF

/// Checks that a transparency-log entry's body records what the bundle holds: the same
/// signature, the same certificate or key, and the same artifact (or DSSE payload). An entry
/// that a log really contains but that is about something else proves nothing.
enum LogEntryBody {
    /// What the bundle says was signed, for comparison with the entry.
    struct Expectation {
        /// The signing certificate's DER, or the managed key's DER SubjectPublicKeyInfo.
        var verifierDER: [UInt8]
        /// The bundle's base64 text of the signing certificate, which a PEM block with the same
        /// text must hold.
        var verifierBase64: [UInt8]?
        /// The bundle's content.
        var content: SigstoreBundle.Content
        /// The artifact's digests, for message signatures.
        var artifact: ArtifactDigests
    }

    /// The hash `object`'s `algorithm` names, refusing any other.
    static func recordedHash(_ object: ProtoObject) throws(VerificationError) -> VerificationKey.Hash {
        let name = try object.string("algorithm")
        guard let hash = VerificationKey.Hash(name: name) else {
            throw VerificationError(.entryBody, "the entry's digest algorithm \(name) is not SHA-256, SHA-384 or SHA-512")
        }
        return hash
    }

    static func check(_ entry: TransparencyLogEntry, _ expected: Expectation) throws(VerificationError) {
        let body = try ProtoObject(parsing: entry.canonicalizedBody, what: "log entry body", check: .entryBody)
        let kind = try body.string("kind")
        let version = try body.string("apiVersion")
        guard UTF8Name.sameBytes(kind, entry.kind), UTF8Name.sameBytes(version, entry.kindVersion) else {
            throw VerificationError(.entryBody, "the body is \(kind) \(version), the entry says \(entry.kind) \(entry.kindVersion)")
        }
        let spec = try body.object("spec")
        switch (kind, version, expected.content) {
        case ("hashedrekord", "0.0.1", .messageSignature(let signature, _, _)):
            let data = try spec.object("data").object("hash")
            let digest = try expected.artifact.require(try recordedHash(data), for: .entryBody, "the entry records")
            guard Hex.decode(try data.string("value")) == digest else {
                throw VerificationError(.entryBody, "the entry records another artifact digest")
            }
            let recorded = try spec.object("signature")
            guard try recorded.bytes("content").sameBytes(as: signature) else {
                throw VerificationError(.entryBody, "the entry records another signature")
            }
            try checkVerifier(pem: try recorded.object("publicKey").bytes("content"), expected)
        case ("hashedrekord", "0.0.2", _):
            let rekord = try spec.object("hashedRekordV002")
            let data = try rekord.object("data")
            let recorded = try rekord.object("signature")
            let digest = try data.bytes("digest")
            let hash = try recordedHash(data)
            switch expected.content {
            case .messageSignature(let signature, _, _):
                guard digest == (try expected.artifact.require(hash, for: .entryBody, "the entry records")) else {
                    throw VerificationError(.entryBody, "the entry records another artifact digest")
                }
                guard try recorded.bytes("content").sameBytes(as: signature) else {
                    throw VerificationError(.entryBody, "the entry records another signature")
                }
            case .envelope(let envelope):
                // Rekor v2 logs a DSSE envelope as a hashedrekord over its pre-authentication encoding.
                guard digest == hash.digest(envelope.preAuthenticationEncoding) else {
                    throw VerificationError(.entryBody, "the entry records another envelope")
                }
                guard envelope.signatures.count == 1, try recorded.bytes("content").sameBytes(as: envelope.signatures[0].signature) else {
                    throw VerificationError(.entryBody, "the entry records another envelope signature")
                }
            }
            try checkVerifier(v2: try recorded.object("verifier"), expected)
        case ("dsse", "0.0.1", .envelope(let envelope)):
            let payloadHash = try spec.object("payloadHash")
            guard Hex.decode(try payloadHash.string("value")) == (try recordedHash(payloadHash)).digest(envelope.payload) else {
                throw VerificationError(.entryBody, "the entry records another payload")
            }
            try checkSignatures(
                try spec.objects("signatures"),
                of: envelope,
                signature: { (recorded) throws(VerificationError) in try recorded.bytes("signature") },
                verifier: { (recorded) throws(VerificationError) in try checkVerifier(pem: try recorded.bytes("verifier"), expected) }
            )
        case ("dsse", "0.0.2", _):
            // Rekor v2 logs an envelope as a hashedrekord over its pre-authentication encoding;
            // sigstore-go, sigstore-java and sigstore-python refuse this entry type, and so does this.
            throw VerificationError(
                .entryBody,
                "a dsse 0.0.2 entry is not accepted: Rekor v2 logs DSSE envelopes as hashedrekord 0.0.2 entries"
            )
        case ("intoto", "0.0.2", .envelope(let envelope)):
            let content = try spec.object("content")
            let payloadHash = try content.object("payloadHash")
            guard Hex.decode(try payloadHash.string("value")) == (try recordedHash(payloadHash)).digest(envelope.payload) else {
                throw VerificationError(.entryBody, "the entry records another payload")
            }
            let recordedEnvelope = try content.object("envelope")
            guard UTF8Name.sameBytes(try recordedEnvelope.string("payloadType"), envelope.payloadType) else {
                throw VerificationError(.entryBody, "the entry records another payload type")
            }
            try checkSignatures(
                try recordedEnvelope.objects("signatures"),
                of: envelope,
                signature: { (recorded) throws(VerificationError) in
                    // intoto 0.0.2 stores each signature base64-encoded once more.
                    let stored = try recorded.bytes("sig")
                    return ProtoObject.base64(String(decoding: stored, as: UTF8.self)) ?? stored
                },
                verifier: { (recorded) throws(VerificationError) in try checkVerifier(pem: try recorded.bytes("publicKey"), expected) }
            )
        default:
            throw VerificationError(.entryBody, "a \(kind) \(version) entry cannot record this bundle's content")
        }
    }

    /// Checks that the entry records exactly the envelope's signatures, in order, each with the
    /// bundle's verifier: `signature` reads a recorded signature's bytes, `verifier` checks its key.
    static func checkSignatures(
        _ recorded: [ProtoObject],
        of envelope: DSSEEnvelope,
        signature: (ProtoObject) throws(VerificationError) -> [UInt8],
        verifier: (ProtoObject) throws(VerificationError) -> Void
    ) throws(VerificationError) {
        guard recorded.count == envelope.signatures.count else {
            throw VerificationError(
                .entryBody,
                "the entry records \(recorded.count) signatures, the envelope has \(envelope.signatures.count)"
            )
        }
        for (entry, expected) in zip(recorded, envelope.signatures) {
            guard try signature(entry).sameBytes(as: expected.signature) else {
                throw VerificationError(.entryBody, "the entry records another envelope signature")
            }
            try verifier(entry)
        }
    }

    /// Compares a PEM certificate or public key (as the body stores it) with the bundle's.
    static func checkVerifier(pem: [UInt8], _ expected: Expectation) throws(VerificationError) {
        guard let block = PEM.block(pem) else { throw VerificationError(.entryBody, "the entry's verifier is not PEM") }
        // The bundle's own text decodes to the bundle's DER, so the same text needs no decoding.
        if let text = expected.verifierBase64, block.base64.sameBytes(as: text) { return }
        guard let der = PEM.der(ofBody: block.base64) else { throw VerificationError(.entryBody, "the entry's verifier is not PEM") }
        guard der.sameBytes(as: expected.verifierDER) else {
            throw VerificationError(.entryBody, "the entry records another certificate or key")
        }
    }

    /// Compares a Rekor v2 verifier (certificate or public key) with the bundle's.
    static func checkVerifier(v2 verifier: ProtoObject, _ expected: Expectation) throws(VerificationError) {
        let der: [UInt8]
        if let certificate = try verifier.optionalObject("x509Certificate") {
            der = try certificate.bytes("rawBytes")
        } else if let key = try verifier.optionalObject("publicKey") {
            der = try key.bytes("rawBytes")
        } else {
            throw VerificationError(.entryBody, "the entry's verifier has neither a certificate nor a key")
        }
        guard der.sameBytes(as: expected.verifierDER) else {
            throw VerificationError(.entryBody, "the entry records another certificate or key")
        }
    }
}
