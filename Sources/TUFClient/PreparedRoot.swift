import TUF

/// A root version's bytes, parsed, and optionally checked against its own keys, before the
/// walk reaches it.
///
/// Both are facts about the bytes alone, so they can be worked out while the version before is
/// still being verified; whether the version is trusted is decided only in its turn, by
/// ``TrustedMetadataSet/updateRoot(_:)``, against the root then trusted.
struct PreparedRoot: Sendable {
    /// The bytes as fetched.
    let bytes: [UInt8]
    /// The bytes parsed as root metadata, or why they are not.
    let metadata: Result<Metadata<Root>, UpdateError>
    /// Whether a threshold of the version's own root keys signed it, when that was checked.
    let signedByItself: Result<Bool, MetadataError>?
    /// The signatures that check found valid, which the check against the trusted root then
    /// counts without verifying again; nil when it was not made.
    let verifiedByItself: VerifiedSignatures?

    /// Parses `bytes`, and checks them against their own keys when `checkingItself`.
    init(_ bytes: [UInt8], checkingItself: Bool) {
        self.bytes = bytes
        metadata = Result { () throws(UpdateError) in try TrustedMetadataSet.parse(bytes, role: "root") }
        guard checkingItself, case .success(let root) = metadata else {
            signedByItself = nil
            verifiedByItself = nil
            return
        }
        var memo: VerifiedSignatures? = VerifiedSignatures(over: root.signedBytes)
        do {
            signedByItself = .success(try root.signed.meetsThreshold("root", metadata: root, memo: &memo))
        } catch {
            signedByItself = .failure(error)
        }
        verifiedByItself = memo
    }
}
