/// The signatures found valid over one document's signed bytes, so that a second threshold
/// check of the same document verifies none of them again.
///
/// A new root is checked twice: against the trusted root's keys and against its own, and a
/// holder who stays signs for both. A signature that verified is a fact about the key, the
/// scheme, the signature and the bytes alone, so the second check may count it without
/// repeating the arithmetic. Only signatures found valid are kept, and only for the bytes they
/// were verified over: a memo offered with other bytes is ignored.
public struct VerifiedSignatures: Sendable {
    /// One signature that verified: by whose key material, under which scheme.
    struct Entry: Hashable, Sendable {
        let keyType: String
        let scheme: String
        let identity: [UInt8]
        let signature: [UInt8]
    }

    /// The signed bytes every entry was verified over.
    let signedBytes: [UInt8]
    private var entries: Set<Entry> = []

    /// An empty memo for signatures over `signedBytes`.
    public init(over signedBytes: [UInt8]) {
        self.signedBytes = signedBytes
    }

    /// How many signatures it holds.
    public var count: Int { entries.count }

    /// Whether `signature` by `key`, whose identity is `identity`, was found valid.
    func contains(_ signature: [UInt8], by key: Key, identity: [UInt8]) -> Bool {
        entries.contains(Entry(keyType: key.keyType, scheme: key.scheme, identity: identity, signature: signature))
    }

    /// Records that `signature` by `key` verified.
    mutating func insert(_ signature: [UInt8], by key: Key, identity: [UInt8]) {
        entries.insert(Entry(keyType: key.keyType, scheme: key.scheme, identity: identity, signature: signature))
    }
}
