import Foundation
import TUF

/// Everything a ceremony proposes to publish next, against what it published before: a new root
/// (if the root changes), new top-level targets metadata and new delegated targets metadata
/// (for the roles that change), each collecting its key holders' signatures.
///
/// A role's signers are found through its delegator as it will be published: the targets role
/// through the proposed root (or the published one if the root does not change), a delegated
/// role through the proposed (or published) top-level targets.
public struct Proposal: Sendable {
    /// The proposed root and its predecessor, if the root changes.
    public var root: RootProposal?
    /// Proposed targets metadata by role name: `targets` and delegated roles.
    public var targets: [String: Metadata<Targets>]
    /// The newest published root, if any.
    public let publishedRoot: Metadata<Root>?
    /// The newest published targets metadata by role name.
    public let publishedTargets: [String: Metadata<Targets>]

    /// Signatures present and needed for one proposed role.
    public struct RoleStatus: Sendable {
        /// The role.
        public let role: String
        /// The proposed version.
        public let version: Int
        /// When the proposed version expires.
        public let expires: Date
        /// Signatures against the role's keys as proposed.
        public let verification: ThresholdVerification
        /// For root, signatures against the previous root's keys.
        public let previousRoot: ThresholdVerification?
        /// Keys still to sign for the role as proposed, each with its holder's name where the key
        /// names one (`ThresholdVerification.label(_:)` in TUF).
        public let missing: [String]
        /// For root, keys of the previous root still to sign, likewise; a holder whose key the
        /// proposal rotates out is told that the old key must sign.
        public let missingPrevious: [String]

        /// Whether a client would accept the role's signatures.
        public var isComplete: Bool { verification.isSatisfied && (previousRoot?.isSatisfied ?? true) }
    }

    /// A proposal of `root` and `targets` following the published metadata.
    public init(
        root: RootProposal?,
        targets: [String: Metadata<Targets>],
        publishedRoot: Metadata<Root>?,
        publishedTargets: [String: Metadata<Targets>]
    ) {
        self.root = root
        self.targets = targets
        self.publishedRoot = publishedRoot
        self.publishedTargets = publishedTargets
    }

    /// Whether nothing is proposed.
    public var isEmpty: Bool { root == nil && targets.isEmpty }

    /// The root as it will be published.
    public var effectiveRoot: Root? { root?.metadata.signed ?? publishedRoot?.signed }

    /// The targets metadata of `role` as it will be published.
    public func effectiveTargets(_ role: String) -> Metadata<Targets>? { targets[role] ?? publishedTargets[role] }

    /// The proposed roles in signing order: root, targets, then delegated roles by name.
    public var proposedRoles: [String] {
        (root == nil ? [] : ["root"]) + (targets["targets"] == nil ? [] : ["targets"])
            + targets.keys.filter { $0 != "targets" }.sorted()
    }

    /// The role's delegate and the keys it names, as they will be published.
    public func delegation(of role: String) -> (delegate: any Delegate, keys: [String: Key])? {
        if role == "targets" {
            guard let root = effectiveRoot, let delegate = root.roles["targets"] else { return nil }
            return (delegate, root.keys)
        }
        guard let delegations = effectiveTargets("targets")?.signed.delegations,
            let delegate = delegations.delegate(named: role)
        else { return nil }
        return (delegate, delegations.keys)
    }

    /// Signs every proposed role `signer`'s key belongs to, under each id it has there.
    ///
    /// - Returns: the key ids signed under, by role.
    @discardableResult
    public mutating func sign(with signer: some Signer) throws(CeremonyError) -> [(role: String, keyIDs: [String])] {
        do {
            guard !isEmpty else { throw CeremonyError.nothingProposed }
            var signed: [(role: String, keyIDs: [String])] = []
            if var root, !root.rootKeyIDs(for: signer.publicKey).isEmpty {
                signed.append(("root", try root.sign(with: signer)))
                self.root = root
            }
            for role in proposedRoles where role != "root" {
                guard var metadata = targets[role], let (delegate, keys) = delegation(of: role) else { continue }
                let ids = Self.keyIDs(of: signer.publicKey, in: delegate, keys: keys)
                guard !ids.isEmpty else { continue }
                try metadata.addSignature(by: signer, under: ids)
                targets[role] = metadata
                signed.append((role, ids))
            }
            guard !signed.isEmpty else { throw CeremonyError.keyInNoRole(signer.publicKey.keyID) }
            return signed
        } catch {
            throw CeremonyError(error)
        }
    }

    /// How `other` proposes something else than this proposal, role by role: a role proposed on
    /// one side only, or with other content (signatures aside). Empty when both propose the same.
    public func differences(from other: Proposal) -> [String] {
        var lines: [String] = []
        switch (root, other.root) {
        case (let ours?, let theirs?) where ours.metadata.signed.json != theirs.metadata.signed.json:
            lines.append("root: this copy proposes v\(ours.metadata.signed.version), the other v\(theirs.metadata.signed.version)")
            lines += Self.described(
                RootDiff.changes(from: ours.metadata.signed, to: theirs.metadata.signed),
                ours.metadata.signed.unrecognizedFields,
                theirs.metadata.signed.unrecognizedFields
            )
        case (.some, nil): lines.append("root: proposed in this copy only")
        case (nil, .some): lines.append("root: proposed in the other copy only")
        default: break
        }
        for role in Set(targets.keys).union(other.targets.keys).sorted() {
            switch (targets[role], other.targets[role]) {
            case (let ours?, let theirs?) where ours.signed.json != theirs.signed.json:
                lines.append("\(role): this copy proposes v\(ours.signed.version), the other v\(theirs.signed.version)")
                lines += Self.described(
                    TargetsDiff.changes(from: ours.signed, to: theirs.signed),
                    ours.signed.unrecognizedFields,
                    theirs.signed.unrecognizedFields
                )
            case (.some, nil): lines.append("\(role): proposed in this copy only")
            case (nil, .some): lines.append("\(role): proposed in the other copy only")
            default: break
            }
        }
        return lines
    }

    /// The lines a summary of changes gives, as the other copy's; when it names none, what else
    /// differs: the transcript head the proposal was made at, or other fields.
    static func described(_ changes: [String], _ ours: JSONObject, _ theirs: JSONObject) -> [String] {
        var lines = changes
        if lines.isEmpty {
            let field = Workspace.transcriptHeadField
            lines.append(
                ours[field] != theirs[field]
                    ? "proposed at another point of the transcript (\(field))" : "differs in fields the summary does not show"
            )
        }
        return lines.map { "  the other copy: \($0)" }
    }

    /// Adds the valid signatures of `other`, a copy of this proposal signed elsewhere; metadata
    /// whose signed content differs is not taken from.
    ///
    /// - Returns: the key ids whose signatures were added, by role.
    @discardableResult
    public mutating func merge(_ other: Proposal) -> [(role: String, keyIDs: [String])] {
        var added: [(role: String, keyIDs: [String])] = []
        if var root, let theirs = other.root {
            let ids = root.merge(theirs.metadata)
            if !ids.isEmpty { added.append(("root", ids)) }
            self.root = root
        }
        for role in proposedRoles where role != "root" {
            guard var metadata = targets[role], let theirs = other.targets[role], let (_, keys) = delegation(of: role) else { continue }
            let ids = metadata.mergeSignatures(from: theirs) { keys[$0] }
            targets[role] = metadata
            if !ids.isEmpty { added.append((role, ids)) }
        }
        return added
    }

    /// Signatures present and needed for each proposed role.
    public var statuses: [RoleStatus] {
        var result: [RoleStatus] = []
        if let root {
            let (newRoot, previousRoot) = root.status
            let (missing, missingPrevious) = root.missingHolders
            result.append(
                RoleStatus(
                    role: "root",
                    version: root.metadata.signed.version,
                    expires: root.metadata.signed.expires,
                    verification: newRoot,
                    previousRoot: previousRoot,
                    missing: missing,
                    missingPrevious: missingPrevious
                )
            )
        }
        for role in proposedRoles where role != "root" {
            guard let metadata = targets[role] else { continue }
            let verification: ThresholdVerification
            var missing: [String] = []
            if let (delegate, keys) = delegation(of: role) {
                verification = ThresholdVerification(role: role, delegate: delegate, keys: keys, metadata: metadata)
                missing = verification.unsignedKeyIDs.map(verification.label)
            } else {
                // Not delegated to by what will be published: no key can make it count.
                verification = ThresholdVerification(
                    role: role,
                    delegate: Role(keyIDs: [], threshold: 1),
                    keys: [:],
                    metadata: metadata
                )
            }
            result.append(
                RoleStatus(
                    role: role,
                    version: metadata.signed.version,
                    expires: metadata.signed.expires,
                    verification: verification,
                    previousRoot: nil,
                    missing: missing,
                    missingPrevious: []
                )
            )
        }
        return result
    }

    /// Whether every proposed role has the signatures a client needs.
    public var isComplete: Bool { !isEmpty && statuses.allSatisfy(\.isComplete) }

    /// Every id under which `key` is one of `delegate`'s keys.
    static func keyIDs(of key: Key, in delegate: any Delegate, keys: [String: Key]) -> [String] {
        guard let identity = key.identity else { return [] }
        return delegate.keyIDs.filter { keys[$0]?.identity == identity }
    }
}
