import Foundation
import TUF

/// A proposed root version on its way through a ceremony: the metadata being signed and the
/// published root it follows.
///
/// A client accepts root N+1 only when a threshold of root N's keys and a threshold of its own
/// keys have signed it, so a key holder whose key is in both roots signs once for each role it
/// plays; where a key is listed under a different id in each root (a key-format migration), the
/// signature goes under both ids.
public struct RootProposal: Sendable {
    /// The published root this proposal follows; `nil` for the first root.
    public let previous: Root?
    /// The proposed root and the signatures collected so far.
    public private(set) var metadata: Metadata<Root>

    /// A proposal of `metadata` following `previous`.
    public init(previous: Root?, metadata: Metadata<Root>) throws(CeremonyError) {
        let expected = (previous?.version ?? 0) + 1
        guard metadata.signed.version == expected else {
            throw .notTheNextVersion(previous: previous?.version ?? 0, proposed: metadata.signed.version)
        }
        self.previous = previous
        self.metadata = metadata
    }

    /// Every id under which `key` is a root key of the proposal or of the previous root.
    public func rootKeyIDs(for key: Key) -> [String] {
        guard let identity = key.identity else { return [] }
        var ids: [String] = []
        for root in [metadata.signed, previous].compactMap({ $0 }) {
            for keyID in root.roles["root"]?.keyIDs ?? [] where root.keys[keyID]?.identity == identity && !ids.contains(keyID) {
                ids.append(keyID)
            }
        }
        return ids
    }

    /// Signs the proposal with `signer` under every root key id its key has, replacing earlier
    /// signatures under those ids.
    ///
    /// - Returns: the key ids signed under.
    @discardableResult
    public mutating func sign(with signer: some Signer) throws(CeremonyError) -> [String] {
        do {
            let ids = rootKeyIDs(for: signer.publicKey)
            guard !ids.isEmpty else { throw CeremonyError.keyNotInRoot(signer.publicKey.keyID) }
            try metadata.addSignature(by: signer, under: ids)
            return ids
        } catch {
            throw CeremonyError(error)
        }
    }

    /// Adds the signatures of `other`, a copy of this proposal signed elsewhere; signatures over
    /// different content, or that do not verify, are not taken.
    ///
    /// - Returns: the key ids whose signatures were added.
    @discardableResult
    public mutating func merge(_ other: Metadata<Root>) -> [String] {
        let previous = previous
        let proposed = metadata.signed
        return metadata.mergeSignatures(from: other) { proposed.keys[$0] ?? previous?.keys[$0] }
    }

    /// Signatures present and needed for the proposal as a root of its own keys and, when there
    /// is a previous root, as a successor signed by that root's keys.
    public var status: (newRoot: ThresholdVerification, previousRoot: ThresholdVerification?) {
        let proposed = metadata.signed
        let newRoot = ThresholdVerification(
            role: "root",
            delegate: proposed.roles["root"] ?? Role(keyIDs: [], threshold: 1),
            keys: proposed.keys,
            metadata: metadata
        )
        let previousRoot = previous.map {
            ThresholdVerification(
                role: "root",
                delegate: $0.roles["root"] ?? Role(keyIDs: [], threshold: 1),
                keys: $0.keys,
                metadata: metadata
            )
        }
        return (newRoot, previousRoot)
    }

    /// Whether a client trusting the previous root would accept the proposal.
    public var isComplete: Bool {
        let (newRoot, previousRoot) = status
        return newRoot.isSatisfied && (previousRoot?.isSatisfied ?? true)
    }

    /// The keys that have not signed, by the root they are needed for, each labelled with its
    /// holder (`ThresholdVerification.label(_:)` in TUF). A previous root's key that the new root no
    /// longer lists is marked as the old key, so that a holder who signed with a new key knows
    /// the old one must sign too.
    public var missingHolders: (newRoot: [String], previousRoot: [String]) {
        let (newRoot, previousRoot) = status
        let newIdentities = Set(metadata.signed.keys.values.compactMap(\.identity))
        let previousLabels = (previousRoot?.unsignedKeyIDs ?? []).map { keyID -> String in
            let label = previousRoot!.label(keyID)
            guard let key = previous?.keys[keyID], let identity = key.identity, !newIdentities.contains(identity) else { return label }
            return "\(label), the old key that root v\(previous!.version) lists and this proposal rotates out"
        }
        return (newRoot.unsignedKeyIDs.map(newRoot.label), previousLabels)
    }
}
