import Foundation
import TUF

extension TransparencyLogEntry {
    /// An entry with these fields, as a log's answer gives them.
    public init(
        logIndex: Int64,
        logID: [UInt8],
        kind: String,
        kindVersion: String,
        integratedTime: Int64?,
        signedEntryTimestamp: [UInt8]?,
        inclusionProof: InclusionProof?,
        canonicalizedBody: [UInt8]
    ) {
        self.logIndex = logIndex
        self.logID = logID
        self.kind = kind
        self.kindVersion = kindVersion
        self.integratedTime = integratedTime
        self.signedEntryTimestamp = signedEntryTimestamp
        self.inclusionProof = inclusionProof
        self.canonicalizedBody = canonicalizedBody
    }

    /// Reads an entry in protobuf JSON (as Rekor v2 answers), checked as a bundle of `version` requires.
    public init(json bytes: [UInt8], version: SigstoreBundle.Version = .v0_3) throws(VerificationError) {
        try self.init(ProtoObject(parsing: bytes, what: "log entry", check: .transparencyLog), version: version)
    }

    /// The entry in protobuf JSON, as a bundle holds it (64-bit integers as strings, bytes in base64).
    public var json: JSONValue {
        func base64(_ bytes: [UInt8]) -> JSONValue { .string(Data(bytes).base64EncodedString()) }
        var object = JSONObject()
        object["logIndex"] = .string(String(logIndex))
        object["logId"] = ["keyId": base64(logID)]
        object["kindVersion"] = ["kind": .string(kind), "version": .string(kindVersion)]
        object["integratedTime"] = .string(String(integratedTime ?? 0))
        if let signedEntryTimestamp {
            object["inclusionPromise"] = ["signedEntryTimestamp": base64(signedEntryTimestamp)]
        }
        if let proof = inclusionProof {
            var proofObject = JSONObject()
            proofObject["logIndex"] = .string(String(proof.logIndex))
            proofObject["rootHash"] = base64(proof.rootHash)
            proofObject["treeSize"] = .string(String(proof.treeSize))
            proofObject["hashes"] = .array(proof.hashes.map(base64))
            if let checkpoint = proof.checkpoint { proofObject["checkpoint"] = ["envelope": .string(checkpoint)] }
            object["inclusionProof"] = .object(proofObject)
        }
        object["canonicalizedBody"] = base64(canonicalizedBody)
        return .object(object)
    }
}

extension InclusionProof {
    /// A proof with these fields.
    public init(logIndex: Int64, rootHash: [UInt8], treeSize: Int64, hashes: [[UInt8]], checkpoint: String?) {
        self.logIndex = logIndex
        self.rootHash = rootHash
        self.treeSize = treeSize
        self.hashes = hashes
        self.checkpoint = checkpoint
    }
}

extension DSSEEnvelope {
    /// The envelope in protobuf JSON, as a bundle and Rekor hold it.
    public var json: JSONValue {
        var object = JSONObject()
        object["payload"] = .string(Data(payload).base64EncodedString())
        object["payloadType"] = .string(payloadType)
        object["signatures"] = .array(
            signatures.map { ["sig": .string(Data($0.signature).base64EncodedString()), "keyid": .string($0.keyID)] }
        )
        return .object(object)
    }
}
