import Crypto
import Foundation
import TUF

/// The in-toto statement a DSSE envelope carries: the artifact must be one of its subjects.
package enum InTotoStatement {
    /// The DSSE payload type of an in-toto statement.
    package static let payloadType = "application/vnd.in-toto+json"
    /// The statement types (`_type`) this reads.
    package static let statementTypes: [String] = ["https://in-toto.io/Statement/v0.1", "https://in-toto.io/Statement/v1"]

    /// Checks that the statement names `artifact` (whose SHA-256 is `sha256`) among its
    /// subjects; returns its predicate type.
    static func check(_ envelope: DSSEEnvelope, artifact: BundleVerifier.Artifact, sha256: [UInt8]) throws(VerificationError)
        -> String?
    {
        guard UTF8Name.sameBytes(envelope.payloadType, payloadType) else {
            throw VerificationError(.envelope, "the payload type is \(envelope.payloadType), not an in-toto statement")
        }
        // A plain JSON format: its fields have one name each (`predicateType`, never `predicate_type`).
        let statement = try ProtoObject(parsing: envelope.payload, what: "in-toto statement", check: .envelope, acceptsOriginalNames: false)
        let type = try statement.string("_type")
        guard statementTypes.contains(where: { UTF8Name.sameBytes($0, type) }) else {
            throw VerificationError(.envelope, "unknown statement type \(type)")
        }
        // SHA-512 only if a subject names one, and only once.
        var sha512: [UInt8]?
        for subject in try statement.objects("subject") {
            guard let digests = try subject.optionalObject("digest") else { continue }
            if let value = try digests.optionalString("sha256"), Hex.decode(value) == sha256 {
                return try statement.optionalString("predicateType")
            }
            if let value = try digests.optionalString("sha512"), case .bytes(let bytes) = artifact {
                if sha512 == nil { sha512 = Array(SHA512.hash(data: bytes)) }
                guard Hex.decode(value) == sha512 else { continue }
                return try statement.optionalString("predicateType")
            }
        }
        throw VerificationError(.envelope, "the artifact is not a subject of the in-toto statement")
    }
}
