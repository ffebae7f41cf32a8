import Foundation
import SwiftASN1
import TUF
import X509

/// What a Fulcio signing certificate says about its subject: the identity in its SAN and the
/// OIDC issuer and other claims in Fulcio's extensions (OID arc 1.3.6.1.4.1.57264.1).
public struct FulcioCertificate: Sendable {
    /// The certificate.
    public let certificate: Certificate

    /// The Fulcio extension arc.
    public static let arc = "1.3.6.1.4.1.57264.1"
    /// The OIDC issuer (DER UTF8String).
    public static let issuerV2 = try! ASN1ObjectIdentifier(dotRepresentation: "\(arc).8")
    /// The OIDC issuer in the older, raw form.
    public static let issuerV1 = try! ASN1ObjectIdentifier(dotRepresentation: "\(arc).1")
    /// The OtherName type of a username identity.
    public static let otherNameUsername = try! ASN1ObjectIdentifier(dotRepresentation: "\(arc).7")

    /// Wraps `certificate`.
    public init(_ certificate: Certificate) {
        self.certificate = certificate
    }

    /// Every identity in the SAN: email addresses, URIs and Fulcio usernames (OtherName).
    public var identities: [String] {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return [] }
        return names.compactMap { name in
            switch name {
            case .rfc822Name(let email): return email
            case .uniformResourceIdentifier(let uri): return uri
            case .otherName(let other) where other.typeID == Self.otherNameUsername:
                var serializer = DER.Serializer()
                guard let value = other.value, (try? serializer.serialize(value)) != nil,
                    let node = try? DER.parse(serializer.serializedBytes)
                else { return nil }
                // The value is [0] EXPLICIT UTF8String.
                if case .constructed(let children) = node.content, let inner = children.first(where: { _ in true }),
                    let text = try? ASN1UTF8String(derEncoded: inner)
                {
                    return String(text)
                }
                return (try? ASN1UTF8String(derEncoded: node)).map(String.init)
            default: return nil
            }
        }
    }

    /// The OIDC issuer: from extension .8 (a UTF8String), else the older .1 (raw text).
    public var issuer: String? { try? checkedIssuer() }

    /// The OIDC issuer, once its two forms are shown to agree: extension .8 must be a DER
    /// UTF8String, .1 valid UTF-8, and when both are present they must be the same bytes.
    ///
    /// - Returns: `nil` when the certificate has neither extension.
    public func checkedIssuer() throws(VerificationError) -> String? {
        var issuer: String?
        if let current = certificate.extensions[oid: Self.issuerV2] {
            guard let text = try? ASN1UTF8String(derEncoded: current.value) else {
                throw VerificationError(.identity, "the certificate's OIDC issuer extension \(Self.arc).8 is not a DER UTF8String")
            }
            issuer = String(text)
        }
        if let older = certificate.extensions[oid: Self.issuerV1] {
            guard let text = String(validating: older.value, as: UTF8.self) else {
                throw VerificationError(.identity, "the certificate's OIDC issuer extension \(Self.arc).1 is not UTF-8")
            }
            if let issuer, !UTF8Name.sameBytes(issuer, text) {
                throw VerificationError(
                    .identity,
                    "the certificate's OIDC issuer extensions disagree: .1 says \(TerminalText.escaped(text)), .8 says \(TerminalText.escaped(issuer))"
                )
            }
            issuer = issuer ?? text
        }
        return issuer
    }

    /// The numbers of the Fulcio extensions (under ``arc``) the certificate carries, in its order.
    public var claimNumbers: [Int] {
        certificate.extensions.compactMap { ext in
            let oid = ext.oid.description
            guard oid.hasPrefix(Self.arc + ".") else { return nil }
            return Int(oid.dropFirst(Self.arc.count + 1))
        }
    }

    /// The value of the Fulcio extension `.number` (DER UTF8String, or raw text for the
    /// older extensions 1 to 6).
    public func claim(_ number: Int) -> String? {
        guard let oid = try? ASN1ObjectIdentifier(dotRepresentation: "\(Self.arc).\(number)") else { return nil }
        if number == 8 { return try? checkedIssuer() }
        // Extensions from .8 on are DER UTF8Strings, and nothing else is taken for one.
        if number >= 8 {
            guard let ext = certificate.extensions[oid: oid] else { return nil }
            return (try? ASN1UTF8String(derEncoded: ext.value)).map(String.init)
        }
        return extensionValue(oid)
    }

    func extensionValue(_ oid: ASN1ObjectIdentifier) -> String? {
        guard let ext = certificate.extensions[oid: oid] else { return nil }
        if let text = try? ASN1UTF8String(derEncoded: ext.value) { return String(text) }
        return String(bytes: ext.value, encoding: .utf8)
    }
}

/// Who must have signed: a certificate identity (exact or a regular expression) from an exact
/// OIDC issuer, and optionally further Fulcio claims.
public struct IdentityPolicy: Sendable {
    /// How the SAN identity is matched.
    public enum Match: Sendable {
        /// Exactly this identity.
        case exact(String)
        /// An identity the whole of which matches this regular expression.
        case regularExpression(String)
    }

    /// The identity.
    public var identity: Match
    /// The OIDC issuer, exactly.
    public var issuer: String
    /// Further claims by extension number under 1.3.6.1.4.1.57264.1 (for example 12 = source
    /// repository URI, 18 = build config URI), each exact.
    public var claims: [Int: String]

    /// A policy.
    public init(identity: Match, issuer: String, claims: [Int: String] = [:]) {
        self.identity = identity
        self.issuer = issuer
        self.claims = claims
    }

    /// Checks `certificate` against the policy.
    public func check(_ certificate: FulcioCertificate) throws(VerificationError) {
        guard let issuer = try certificate.checkedIssuer() else {
            throw VerificationError(.identity, "the certificate names no OIDC issuer")
        }
        // Compared by bytes, as sigstore-go compares: Swift's `==` takes canonically equivalent
        // strings as equal, and a decomposed "é" is another identity than a precomposed one.
        guard UTF8Name.sameBytes(issuer, self.issuer) else {
            throw VerificationError(.identity, "the certificate's issuer is \(issuer), not \(self.issuer)")
        }
        let identities = certificate.identities
        // A control character has no place in an identity, and a trailing line break is
        // what lets an identity slip past patterns and exact names that look anchored.
        if let odd = identities.first(where: TerminalText.containsControlCharacters) {
            throw VerificationError(.identity, "the certificate's identity \(TerminalText.escaped(odd)) holds a control character")
        }
        let matches: Bool
        switch identity {
        case .exact(let expected):
            matches = identities.contains { UTF8Name.sameBytes($0, expected) }
        case .regularExpression(let pattern):
            let expression = try Self.wholeStringExpression(pattern)
            matches = identities.contains { Self.matchesWhole(expression, $0) }
        }
        guard matches else {
            throw VerificationError(.identity, "the certificate's identity is \(identities.joined(separator: ", ")), not the expected one")
        }
        for (number, expected) in claims.sorted(by: { $0.key < $1.key }) {
            let claim = certificate.claim(number)
            guard let claim, UTF8Name.sameBytes(claim, expected) else {
                throw VerificationError(
                    .identity,
                    "claim \(FulcioCertificate.arc).\(number) is \(claim ?? "absent"), not \(expected)"
                )
            }
        }
    }
}

extension IdentityPolicy {
    /// `pattern` compiled to match a whole string: it must compile on its own first (so an
    /// unbalanced `x)|(.*` cannot break out of the group around it), and is anchored with
    /// `\z`, the true end of input, where `$` would also match before a final line break.
    static func wholeStringExpression(_ pattern: String) throws(VerificationError) -> NSRegularExpression {
        guard (try? NSRegularExpression(pattern: pattern)) != nil,
            let expression = try? NSRegularExpression(pattern: "^(?:\(pattern))\\z")
        else {
            throw VerificationError(.identity, "the identity pattern is not a regular expression: \(pattern)")
        }
        return expression
    }

    /// Whether `expression` matches all of `text`: the match must span it from start to end.
    static func matchesWhole(_ expression: NSRegularExpression, _ text: String) -> Bool {
        let whole = NSRange(text.startIndex..., in: text)
        guard let match = expression.firstMatch(in: text, options: [.anchored], range: whole) else { return false }
        return match.range == whole
    }
}

/// The policy a Fulcio signing certificate's chain must meet besides RFC 5280: a leaf for code
/// signing. It claims the critical extensions Fulcio marks (SAN, EKU) because it checks them.
struct CodeSigningPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.subjectAlternativeName, .X509ExtensionID.extendedKeyUsage,
    ]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        // A leaf that may issue certificates is no signing certificate (sigstore-go refuses it too).
        if let constraints = try? chain.leaf.extensions.basicConstraints, case .isCertificateAuthority = constraints {
            return .failsToMeetPolicy(reason: "the signing certificate is a CA certificate (basic constraints CA:TRUE)")
        }
        guard let usage = try? chain.leaf.extensions.extendedKeyUsage, usage.contains(.codeSigning) else {
            return .failsToMeetPolicy(reason: "the signing certificate is not for code signing")
        }
        return .meetsPolicy
    }
}
