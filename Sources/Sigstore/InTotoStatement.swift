import Crypto
import Foundation
import TUF

/// The in-toto statement a DSSE envelope carries: the artifact must be one of its subjects.
package enum InTotoStatement {
    /// The DSSE payload type of an in-toto statement.
    package static let payloadType = "application/vnd.in-toto+json"
    /// The statement types (`_type`) this reads.
    package static let statementTypes: [String] = ["https://in-toto.io/Statement/v0.1", "https://in-toto.io/Statement/v1"]

    /// Checks that the statement names `artifact` among its subjects, by any digest both sides
    /// know (SHA-256, SHA-384, SHA-512); returns its predicate type.
    static func check(_ envelope: DSSEEnvelope, artifact: BundleVerifier.Artifact) throws(VerificationError) -> String? {
        guard UTF8Name.sameBytes(envelope.payloadType, payloadType) else {
            throw VerificationError(.envelope, "the payload type is \(envelope.payloadType), not an in-toto statement")
        }
        // A plain JSON format: its fields have one name each (`predicateType`, never `predicate_type`).
        let statement = try ProtoObject(parsing: envelope.payload, what: "in-toto statement", check: .envelope, acceptsOriginalNames: false)
        let type = try statement.string("_type")
        guard statementTypes.contains(where: { UTF8Name.sameBytes($0, type) }) else {
            throw VerificationError(.envelope, "unknown statement type \(type)")
        }
        // Each digest of the artifact is computed at most once, and only if a subject names it.
        var known: [VerificationKey.Hash: [UInt8]?] = [:]
        for subject in try statement.objects("subject") {
            guard let digests = try subject.optionalObject("digest") else { continue }
            // A subject names the artifact when a digest both sides know matches, and none
            // both sides know contradicts it.
            var matched = false
            var contradicted = false
            for hash in VerificationKey.Hash.all {
                guard let value = try digests.optionalString(hash.shortName) else { continue }
                if known[hash] == nil { known[hash] = .some(artifact.digest(hash)) }
                guard let digest = known[hash] ?? nil else { continue }
                if Hex.decode(value) == digest { matched = true } else { contradicted = true }
            }
            if matched && !contradicted { return try statement.optionalString("predicateType") }
        }
        throw VerificationError(.envelope, "the artifact is not a subject of the in-toto statement")
    }
}
