import TransparencyLog

/// A trusted root's transparency log as the signer of its checkpoints: its lines carry the first
/// four bytes of the log id, whatever signer name they give.
public struct TrustedLogKey: NoteVerifier {
    /// The log.
    public let log: TrustedRoot.Log

    /// The checkpoint signer that `log` is.
    public init(_ log: TrustedRoot.Log) {
        self.log = log
    }

    /// Any name: a trusted root records the log's key, not the name it signs under.
    public var name: String? { nil }

    /// The first four bytes of the log id.
    public var keyHash: [UInt8] { Array(log.logID.prefix(4)) }

    /// Whether the log's key made `signature` over `text`.
    public func isValidSignature(_ signature: [UInt8], for text: [UInt8]) -> Bool {
        log.key.isValidSignature(signature, for: text)
    }
}

extension Checkpoint {
    /// Reads the checkpoint of a bundle's inclusion proof.
    static func inBundle(_ envelope: String) throws(VerificationError) -> Checkpoint {
        do {
            return try Checkpoint(envelope)
        } catch {
            throw VerificationError(.checkpoint, error.reason)
        }
    }

    /// Checks that `log` signed the checkpoint.
    func verify(by log: TrustedRoot.Log) throws(VerificationError) {
        do {
            try verify(by: TrustedLogKey(log))
        } catch {
            throw VerificationError(.checkpoint, error.reason)
        }
    }
}
