import Foundation
import Sigstore
import SwiftASN1
import TUF
import TransparencyLog
import X509

/// `trustroot inspect --json`: the same facts as the text form, as JSON for scripts.
extension InspectCommand {
    static func json(_ certificate: Certificate) -> JSONValue {
        let fulcio = FulcioCertificate(certificate)
        var object = JSONObject()
        object["subject"] = .string(certificate.subject.description)
        object["issuer"] = .string(certificate.issuer.description)
        object["serial"] = .string(serial(certificate.serialNumber))
        object["not_before"] = .string(MetadataDate.format(certificate.notValidBefore))
        object["not_after"] = .string(MetadataDate.format(certificate.notValidAfter))
        object["identities"] = .array(fulcio.identities.map { .string($0) })
        object["fulcio_extensions"] = .array(
            fulcio.claimNumbers.map { number in
                [
                    "oid": .string("\(FulcioCertificate.arc).\(number)"),
                    "name": .string(fulcioExtensions[number] ?? "Fulcio extension"),
                    "value": fulcio.claim(number).map { .string($0) } ?? .null,
                ]
            }
        )
        let scts = (try? SignedCertificateTimestamp.embedded(in: certificate)) ?? []
        object["scts"] = .array(
            scts.map { ["log_id": .string(Data($0.logID).base64EncodedString()), "time": .string(MetadataDate.format($0.timestamp))] }
        )
        return .object(object)
    }

    static func json(_ bundle: SigstoreBundle) -> JSONValue {
        var object = JSONObject()
        object["version"] = .string(bundle.version.rawValue)
        object["signing_certificate"] = bundle.leafCertificate.map(json) ?? .null
        object["certificates"] = .integer(Int64(bundle.certificates.count))
        object["public_key_hint"] = bundle.publicKeyHint.map { .string($0) } ?? .null
        object["log_entries"] = .array(bundle.transparencyLogEntries.map(json))
        object["timestamps"] = .array(
            bundle.timestamps.map { der in
                guard let token = try? TimestampToken(der: der) else { return ["readable": false] }
                return [
                    "readable": true, "time": .string(MetadataDate.format(token.time)),
                    "certificates": .integer(Int64(token.certificates.count)),
                ]
            }
        )
        object["content"] = json(bundle.content)
        return .object(object)
    }

    static func json(_ entry: TransparencyLogEntry) -> JSONValue {
        var object = JSONObject()
        object["log_index"] = .integer(entry.logIndex)
        object["kind"] = .string(entry.kind)
        object["kind_version"] = .string(entry.kindVersion)
        object["log_id"] = .string(Data(entry.logID).base64EncodedString())
        object["integrated_time"] =
            entry.integratedTime.map { .string(MetadataDate.format(Date(timeIntervalSince1970: Double($0)))) } ?? .null
        object["signed_entry_timestamp"] = .bool(entry.signedEntryTimestamp != nil)
        if let proof = entry.inclusionProof {
            var inclusion: JSONObject = JSONObject()
            inclusion["log_index"] = .integer(proof.logIndex)
            inclusion["tree_size"] = .integer(proof.treeSize)
            inclusion["hashes"] = .integer(Int64(proof.hashes.count))
            if let envelope = proof.checkpoint, let checkpoint = try? Checkpoint(envelope) {
                inclusion["checkpoint"] = [
                    "origin": .string(checkpoint.origin), "tree_size": .integer(Int64(checkpoint.treeSize)),
                    "signers": .array(checkpoint.signatures.map { .string($0.name) }),
                ]
            }
            object["inclusion_proof"] = .object(inclusion)
        } else {
            object["inclusion_proof"] = .null
        }
        return .object(object)
    }

    static func json(_ content: SigstoreBundle.Content) -> JSONValue {
        switch content {
        case .messageSignature(_, let algorithm, let digest):
            return [
                "type": "message signature", "algorithm": algorithm.map { .string($0) } ?? .null,
                "digest": digest.map { .string(Hex.encode($0)) } ?? .null,
            ]
        case .envelope(let envelope):
            var object: JSONObject = JSONObject()
            object["type"] = "DSSE envelope"
            object["payload_type"] = .string(envelope.payloadType)
            object["signatures"] = .integer(Int64(envelope.signatures.count))
            if let statement = try? JSONParser().parse(envelope.payload).objectValue {
                object["statement_type"] = statement["_type"] ?? .null
                object["predicate_type"] = statement["predicateType"] ?? .null
                object["subjects"] = .array(
                    (statement["subject"]?.arrayValue ?? []).map { subject in
                        ["name": subject.objectValue?["name"] ?? .null, "digest": subject.objectValue?["digest"] ?? .null]
                    }
                )
            }
            return .object(object)
        }
    }
}
