/// The outcome of checking one metadata document's signatures against a role's keys and
/// threshold: which keys signed, which did not and why.
///
/// Only distinct keys count: a key listed under two ids, or signing twice, counts once.
/// Signatures that are missing, empty, malformed, by unknown keys or simply wrong are ignored.
public struct ThresholdVerification: Sendable, Hashable {
    /// What was found for one of the role's key ids.
    public enum KeyOutcome: Sendable, Hashable {
        /// A signature by this key verified, and counts toward the threshold.
        case signed
        /// A signature by this key verified, but the same key already counted under another id.
        case duplicateKey(of: String)
        /// No signature names this key id.
        case noSignature
        /// Signatures name this key id but none of them verifies.
        case invalidSignature
        /// The key id is not among the delegator's keys.
        case unknownKey
        /// The key is of a type or scheme this library cannot verify.
        case unsupportedKey
    }

    /// The role whose metadata was checked.
    public let role: String
    /// How many distinct keys had to sign.
    public let threshold: Int
    /// Each of the role's key ids, in the role's order, with what was found.
    public let outcomes: [(keyID: String, outcome: KeyOutcome)]
    /// The holder each key names (``Key/owner``), by key id, for messages people read.
    public let owners: [String: String]

    /// Checks the signatures of `metadata` for `role`, whose keys are `delegate`'s key ids
    /// resolved in `keys`.
    public init<Signed: RoleMetadata>(role: String, delegate: some Delegate, keys: [String: Key], metadata: Metadata<Signed>) {
        self.init(role: role, delegate: delegate, keys: keys, signedBytes: metadata.signedBytes, signatures: metadata.signatures)
    }

    /// Checks `signatures` over `signedBytes` for `role`.
    public init(role: String, delegate: some Delegate, keys: [String: Key], signedBytes: [UInt8], signatures: [Signature]) {
        self.role = role
        self.threshold = delegate.threshold
        var outcomes: [(String, KeyOutcome)] = []
        var unused: VerifiedSignatures?
        _ = Self.evaluate(delegate, keys: keys, signedBytes: signedBytes, signatures: signatures, stoppingAt: .max, memo: &unused) {
            outcomes.append(($0, $1))
        }
        self.outcomes = outcomes
        var owners: [String: String] = [:]
        for keyID in delegate.keyIDs { owners[keyID] = keys[keyID]?.owner }
        self.owners = owners
    }

    /// Whether a threshold of `delegate`'s distinct keys signed `signedBytes`, checking no
    /// signature once the threshold is reached.
    ///
    /// The answer is the one ``isSatisfied`` gives for the same input; a caller that needs to
    /// say which keys failed builds the full verification after a `false`.
    public static func isMet(delegate: some Delegate, keys: [String: Key], signedBytes: [UInt8], signatures: [Signature])
        -> Bool
    {
        var unused: VerifiedSignatures?
        return isMet(delegate: delegate, keys: keys, signedBytes: signedBytes, signatures: signatures, memo: &unused)
    }

    /// ``isMet(delegate:keys:signedBytes:signatures:)``, counting the signatures `memo` already
    /// holds without verifying them again and adding those it verifies. A memo made for other
    /// bytes is neither read nor changed.
    public static func isMet(
        delegate: some Delegate,
        keys: [String: Key],
        signedBytes: [UInt8],
        signatures: [Signature],
        memo: inout VerifiedSignatures?
    ) -> Bool {
        let counted = evaluate(
            delegate,
            keys: keys,
            signedBytes: signedBytes,
            signatures: signatures,
            stoppingAt: delegate.threshold,
            memo: &memo
        ) { _, _ in }
        return counted >= delegate.threshold
    }

    /// Reports each of `delegate`'s key ids in order until `limit` distinct keys have counted, and
    /// returns how many did.
    private static func evaluate(
        _ delegate: some Delegate,
        keys: [String: Key],
        signedBytes: [UInt8],
        signatures: [Signature],
        stoppingAt limit: Int,
        memo: inout VerifiedSignatures?,
        report: (String, KeyOutcome) -> Void
    ) -> Int {
        var counted: [[UInt8]: String] = [:]
        let message = SignedMessage(signedBytes)
        let memoApplies = memo?.signedBytes == signedBytes
        var known = memoApplies ? memo : nil
        defer { if memoApplies { memo = known } }
        for keyID in delegate.keyIDs {
            guard counted.count < limit else { break }
            guard let key = keys[keyID] else {
                report(keyID, .unknownKey)
                continue
            }
            guard let identity = key.identity else {
                report(keyID, .unsupportedKey)
                continue
            }
            let candidates = signatures.filter { $0.keyID.utf8.elementsEqual(keyID.utf8) }
            guard !candidates.isEmpty else {
                report(keyID, .noSignature)
                continue
            }
            let verified = candidates.contains { candidate in
                guard let bytes = Hex.decode(candidate.signature), !bytes.isEmpty else { return false }
                if known?.contains(bytes, by: key, identity: identity) == true { return true }
                guard key.isValidSignature(bytes, for: message) else { return false }
                known?.insert(bytes, by: key, identity: identity)
                return true
            }
            if !verified {
                report(keyID, .invalidSignature)
            } else if let earlier = counted[identity] {
                report(keyID, .duplicateKey(of: earlier))
            } else {
                counted[identity] = keyID
                report(keyID, .signed)
            }
        }
        return counted.count
    }

    /// `keyID` as a person reads it: the holder's name and the id, or the id alone.
    public func label(_ keyID: String) -> String {
        owners[keyID].map { "\($0) (\(keyID))" } ?? keyID
    }

    /// The key ids whose signatures count toward the threshold.
    public var signedKeyIDs: [String] { outcomes.filter { $0.outcome == .signed }.map(\.keyID) }

    /// The key ids that did not contribute a counted signature.
    public var unsignedKeyIDs: [String] { outcomes.filter { $0.outcome != .signed }.map(\.keyID) }

    /// Whether enough distinct keys signed.
    public var isSatisfied: Bool { signedKeyIDs.count >= threshold }

    /// Equality as this type defines it: strings and names compare by their UTF-8 bytes.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.role == rhs.role && lhs.threshold == rhs.threshold
            && lhs.outcomes.elementsEqual(rhs.outcomes) { $0.keyID == $1.keyID && $0.outcome == $1.outcome }
    }

    /// Hashes consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(role)
        hasher.combine(threshold)
        for (keyID, outcome) in outcomes {
            hasher.combine(keyID)
            hasher.combine(outcome)
        }
    }
}

extension ThresholdVerification: CustomStringConvertible {
    /// How many signatures counted of how many needed, and which keys did not sign.
    public var summary: String {
        "\(signedKeyIDs.count) of \(threshold) required signatures"
            + (isSatisfied ? "" : " (missing: \(unsignedKeyIDs.map(label).joined(separator: ", ")))")
    }

    /// The summary, prefixed with the role.
    public var description: String { "\(role): \(summary)" }
}
