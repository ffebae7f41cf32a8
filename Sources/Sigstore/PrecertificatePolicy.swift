import SwiftASN1
import X509

/// The policy a precertificate's chain meets beside RFC 5280 and code signing: its leaf, and only
/// its leaf, carries the critical CT poison extension (RFC 6962, 3.1), which this policy claims.
///
/// Used only to read precertificates in a CT log; a signing certificate with the poison is no
/// certificate, and the bundle verifier, which does not add this policy, refuses it.
struct PrecertificatePolicy: VerifierPolicy {
    /// The CT poison extension's OID, 1.3.6.1.4.1.11129.2.4.3.
    static let poison: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 11129, 2, 4, 3]

    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [Self.poison]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        guard let poison = chain.leaf.extensions[oid: Self.poison], poison.critical, poison.value == [0x05, 0x00] else {
            return .failsToMeetPolicy(reason: "the precertificate has no critical CT poison extension")
        }
        guard chain.dropFirst().allSatisfy({ $0.extensions[oid: Self.poison] == nil }) else {
            return .failsToMeetPolicy(reason: "an issuer of the precertificate carries the CT poison extension")
        }
        return .meetsPolicy
    }
}
