import Crypto
import Foundation
import TUF

/// The in-toto statement a DSSE envelope carries: the artifact must be one of its subjects.
enum InTotoStatement {
    static let payloadType = "application/vnd.in-toto+json"
    static let statementTypes: Set<String> = ["https://in-toto.io/Statement/v0.1", "https://in-toto.io/Statement/v1"]

    /// Checks that the statement names `artifact` among its subjects; returns its predicate type.
    static func check(_ envelope: DSSEEnvelope, artifact: BundleVerifier.Artifact) throws(VerificationError) -> String? {
        guard envelope.payloadType == payloadType else {
            throw VerificationError(.envelope, "the payload type is \(envelope.payloadType), not an in-toto statement")
        }
        let statement = try ProtoObject(parsing: envelope.payload, what: "in-toto statement", check: .envelope)
        let type = try statement.string("_type")
        guard statementTypes.contains(type) else { throw VerificationError(.envelope, "unknown statement type \(type)") }
        let sha256 = Hex.encode(artifact.sha256)
        let sha512: String?
        if case .bytes(let bytes) = artifact { sha512 = Hex.encode(SHA512.hash(data: bytes)) } else { sha512 = nil }
        for subject in try statement.objects("subject") {
            guard let digest = try subject.optionalObject("digest") else { continue }
            if let value = try digest.optionalString("sha256"), value.lowercased() == sha256 {
                return try statement.optionalString("predicateType")
            }
            if let sha512, let value = try digest.optionalString("sha512"), value.lowercased() == sha512 {
                return try statement.optionalString("predicateType")
            }
        }
        throw VerificationError(.envelope, "the artifact is not a subject of the in-toto statement")
    }
}
