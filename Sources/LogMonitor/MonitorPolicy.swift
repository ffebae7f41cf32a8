import Crypto
import Foundation
import Sigstore
import TUF

/// What the monitor watches for: certificate identities (a SAN and, optionally, its OIDC
/// issuers), Fulcio extension values, and key or certificate fingerprints.
///
/// The configuration file has rekor-monitor's shape, written as JSON:
/// `{"monitoredValues": {"certIdentities": [{"certSubject": RE, "issuers": [RE]}],
/// "fingerprints": [HEX], "customExtensions": [{"objectIdentifier": OID, "extensionValues": V}],
/// "fulcioExtensions": {"build-signer-uri": [V]}}}`. Every expression matches whole strings.
public struct MonitorPolicy: Sendable {
    /// A certificate identity: a subject (SAN) pattern and the issuers it may come from (any
    /// issuer when empty).
    public struct CertificateIdentity: Sendable {
        /// The SAN pattern.
        public var subject: WholeStringPattern
        /// The OIDC issuer patterns.
        public var issuers: [WholeStringPattern]

        /// A subject from `issuers`.
        public init(subject: WholeStringPattern, issuers: [WholeStringPattern] = []) {
            self.subject = subject
            self.issuers = issuers
        }
    }

    /// A Fulcio extension (`1.3.6.1.4.1.57264.1.N`) that must hold one of `values` exactly.
    public struct ExtensionValue: Sendable {
        /// The extension's number under Fulcio's arc.
        public var number: Int
        /// The values that match.
        public var values: [String]
    }

    /// The identities.
    public var identities: [CertificateIdentity]
    /// The Fulcio extension values.
    public var extensions: [ExtensionValue]
    /// Lowercase hex SHA-256 fingerprints of DER certificates or public keys.
    public var fingerprints: [String]

    /// Fulcio's extension names, as rekor-monitor's `fulcioExtensions` spells them, and their numbers.
    static let extensionNames: [String: Int] = [
        "issuer-v2": 8, "build-signer-uri": 9, "build-signer-digest": 10, "runner-environment": 11,
        "source-repository-uri": 12, "source-repository-digest": 13, "source-repository-ref": 14,
        "source-repository-identifier": 15, "source-repository-owner-uri": 16, "source-repository-owner-identifier": 17,
        "build-config-uri": 18, "build-config-digest": 19, "build-trigger": 20, "run-invocation-uri": 21,
        "source-repository-visibility-at-signing": 22,
    ]

    /// A policy of these parts.
    public init(identities: [CertificateIdentity] = [], extensions: [ExtensionValue] = [], fingerprints: [String] = []) {
        self.identities = identities
        self.extensions = extensions
        self.fingerprints = fingerprints.map { $0.lowercased() }
    }

    /// Whether the policy watches for nothing (the monitor then checks consistency only).
    public var isEmpty: Bool { identities.isEmpty && extensions.isEmpty && fingerprints.isEmpty }

    /// The policy a configuration file holds.
    public init(configuration bytes: [UInt8]) throws(MonitorError) {
        guard case .object(let root)? = try? JSONParser().parse(bytes) else {
            throw MonitorError(.policy, "the configuration is not a JSON object")
        }
        guard case .object(let values)? = root["monitoredValues"] else {
            throw MonitorError(.policy, "the configuration has no monitoredValues object")
        }
        let known: Set = ["certIdentities", "fingerprints", "customExtensions", "fulcioExtensions"]
        if let unknown = values.names.first(where: { !known.contains($0) }) {
            throw MonitorError(.policy, "monitoredValues.\(unknown) is not something TrustRoot watches for")
        }
        self.init()
        for item in try Self.array(values["certIdentities"], "certIdentities") {
            guard case .object(let object) = item, let subject = object["certSubject"]?.stringValue else {
                throw MonitorError(.policy, "each certIdentities entry needs a certSubject")
            }
            var issuers: [WholeStringPattern] = []
            for issuer in try Self.array(object["issuers"], "issuers") {
                guard let text = issuer.stringValue else { throw MonitorError(.policy, "an issuer is not a string") }
                issuers.append(try WholeStringPattern(regularExpression: text))
            }
            identities.append(CertificateIdentity(subject: try WholeStringPattern(regularExpression: subject), issuers: issuers))
        }
        for item in try Self.array(values["fingerprints"], "fingerprints") {
            guard let text = item.stringValue, Hex.decode(text)?.count == 32 else {
                throw MonitorError(.policy, "a fingerprint is not the hex SHA-256 of a certificate or key")
            }
            fingerprints.append(text.lowercased())
        }
        for item in try Self.array(values["customExtensions"], "customExtensions") {
            guard case .object(let object) = item, let oid = object["objectIdentifier"]?.stringValue else {
                throw MonitorError(.policy, "each customExtensions entry needs an objectIdentifier")
            }
            guard oid.hasPrefix(FulcioCertificate.arc + "."), let number = Int(oid.dropFirst(FulcioCertificate.arc.count + 1)) else {
                throw MonitorError(.policy, "extension \(oid) is not a Fulcio extension (\(FulcioCertificate.arc).N)")
            }
            extensions.append(ExtensionValue(number: number, values: try Self.strings(object["extensionValues"], oid)))
        }
        if let named = values["fulcioExtensions"] {
            guard case .object(let object) = named else { throw MonitorError(.policy, "fulcioExtensions is not an object") }
            for (name, value) in object.membersSortedByUTF8 {
                guard let number = Self.extensionNames[name] else {
                    throw MonitorError(.policy, "\(name) is not a Fulcio extension name")
                }
                extensions.append(ExtensionValue(number: number, values: try Self.strings(value, name)))
            }
        }
    }

    static func array(_ value: JSONValue?, _ name: String) throws(MonitorError) -> [JSONValue] {
        guard let value else { return [] }
        guard case .array(let items) = value else { throw MonitorError(.policy, "\(name) is not a list") }
        return items
    }

    static func strings(_ value: JSONValue?, _ name: String) throws(MonitorError) -> [String] {
        if let single = value?.stringValue { return [single] }
        let items = try array(value, name).compactMap(\.stringValue)
        guard !items.isEmpty else { throw MonitorError(.policy, "\(name) needs one or more string values") }
        return items
    }

    /// The identity and issuer a certificate matches the policy with, or nil.
    public func match(_ certificate: FulcioCertificate, der: [UInt8]) -> (identity: String, issuer: String)? {
        let sans = certificate.identities
        let issuer = certificate.issuer ?? ""
        let first = sans.first ?? ""
        for rule in identities {
            guard let san = sans.first(where: { rule.subject.matches($0) }) else { continue }
            if rule.issuers.isEmpty || rule.issuers.contains(where: { $0.matches(issuer) }) { return (san, issuer) }
        }
        if !fingerprints.isEmpty, fingerprints.contains(Self.fingerprint(der)) { return (first, issuer) }
        for rule in extensions {
            if let value = certificate.claim(rule.number), rule.values.contains(where: { UTF8Name.sameBytes($0, value) }) {
                return (first, issuer)
            }
        }
        return nil
    }

    /// Whether a public key's fingerprint is watched.
    public func matches(publicKey der: [UInt8]) -> Bool {
        !fingerprints.isEmpty && fingerprints.contains(Self.fingerprint(der))
    }

    /// The lowercase hex SHA-256 of `der`.
    public static func fingerprint(_ der: [UInt8]) -> String {
        Hex.encode(SHA256.hash(data: der))
    }
}
