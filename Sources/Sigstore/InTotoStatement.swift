import Crypto
import Foundation
import TUF

/// The in-toto statement a DSSE envelope carries: the artifact must be one of its subjects.
package enum InTotoStatement {
    /// The DSSE payload type of an in-toto statement.
    package static let payloadType = "application/vnd.in-toto+json"
    /// The statement types (`_type`) this reads.
    package static let statementTypes: Set<String> = ["https://in-toto.io/Statement/v0.1", "https://in-toto.io/Statement/v1"]

    /// Checks that the statement names `artifact` (whose SHA-256 is `sha256`) among its
    /// subjects; returns its predicate type.
    static func check(_ envelope: DSSEEnvelope, artifact: BundleVerifier.Artifact, sha256 digest: [UInt8]) throws(VerificationError)
        -> String?
    {
        guard envelope.payloadType == payloadType else {
            throw VerificationError(.envelope, "the payload type is \(envelope.payloadType), not an in-toto statement")
        }
        let statement = try ProtoObject(parsing: envelope.payload, what: "in-toto statement", check: .envelope)
        let type = try statement.string("_type")
        guard statementTypes.contains(type) else { throw VerificationError(.envelope, "unknown statement type \(type)") }
        let sha256 = Hex.encode(digest)
        // SHA-512 only if a subject names one, and only once.
        var sha512: String?
        for subject in try statement.objects("subject") {
            guard let digest = try subject.optionalObject("digest") else { continue }
            if let value = try digest.optionalString("sha256"), value.lowercased() == sha256 {
                return try statement.optionalString("predicateType")
            }
            if let value = try digest.optionalString("sha512"), case .bytes(let bytes) = artifact {
                if sha512 == nil { sha512 = Hex.encode(SHA512.hash(data: bytes)) }
                guard value.lowercased() == sha512 else { continue }
                return try statement.optionalString("predicateType")
            }
        }
        throw VerificationError(.envelope, "the artifact is not a subject of the in-toto statement")
    }
}
