import Foundation

/// Which witnesses must have cosigned a checkpoint before a reader trusts it: at least `quorum`
/// of `cosigners`, each counted once, none dated further ahead than `allowedSkew`.
public struct WitnessPolicy: Sendable {
    /// The witnesses.
    public var cosigners: [Cosigner]
    /// How many distinct witnesses must have cosigned.
    public var quorum: Int
    /// How far in the future a cosignature's time may be, for clocks that differ.
    public var allowedSkew: TimeInterval

    /// A policy of `quorum` out of `cosigners`.
    public init(cosigners: [Cosigner], quorum: Int, allowedSkew: TimeInterval = 600) throws(LogError) {
        guard quorum >= 1, quorum <= cosigners.count else {
            throw LogError(.malformed, "a witness quorum of \(quorum) needs between 1 and \(cosigners.count) witnesses")
        }
        self.cosigners = cosigners
        self.quorum = quorum
        self.allowedSkew = allowedSkew
    }

    /// The names of the witnesses whose cosignatures on `note` hold at `now`; throws
    /// ``LogError/Kind/unverified`` when fewer than the quorum do.
    @discardableResult
    public func check(_ note: SignedNote, now: Date = Date()) throws(LogError) -> [String] {
        var witnessed: [String] = []
        for cosigner in cosigners where !witnessed.contains(cosigner.name ?? "") {
            let valid = note.verifiedSignatures(by: cosigner).contains {
                guard let time = Cosigner.time(of: $0.signature) else { return false }
                return Double(time) <= now.timeIntervalSince1970 + allowedSkew
            }
            if valid { witnessed.append(cosigner.name ?? "") }
        }
        guard witnessed.count >= quorum else {
            throw LogError(.unverified, "\(witnessed.count) of the \(quorum) witness cosignatures the policy needs hold")
        }
        return witnessed
    }
}
