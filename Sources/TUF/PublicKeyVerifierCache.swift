import Foundation

/// The public keys this process has already parsed, by key type, scheme and encoded value.
///
/// A chain of root versions lists mostly the same keys again and again; parsing each PEM or hex
/// value once, instead of once per version, takes key parsing out of a long walk's cost. The
/// cache holds only public material and is emptied when it fills, so a stream of distinct keys
/// costs memory in proportion to ``capacity`` only.
final class PublicKeyVerifierCache: @unchecked Sendable {
    /// The cache the library's keys share.
    static let shared = PublicKeyVerifierCache()

    /// How many keys are kept before the cache starts over.
    static let capacity = 1_024

    private let lock = NSLock()
    private var entries: [Name: (verifier: PublicKeyVerifier, identity: [UInt8])] = [:]

    /// What a key is looked up by: all three parts, compared as they are.
    private struct Name: Hashable {
        let keyType: String
        let scheme: String
        let publicValue: String
    }

    /// The verifier and identity of a key, parsed on first sight; nil for a key no scheme here
    /// verifies (which is not kept, so that it costs a parse every time it is met).
    func verifier(keyType: String, scheme: String, publicValue: String) -> (verifier: PublicKeyVerifier, identity: [UInt8])? {
        let key = Name(keyType: keyType, scheme: scheme, publicValue: publicValue)
        if let found = lock.withLock({ entries[key] }) { return found }
        guard let entry = PublicKeyVerifier.parse(keyType: keyType, scheme: scheme, publicValue: publicValue) else { return nil }
        lock.withLock {
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = entry
        }
        return entry
    }
}
