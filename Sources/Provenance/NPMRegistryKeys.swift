import Foundation
import Sigstore
import TUF

/// The npm registry's signing keys, as the `registry.npmjs.org/keys.json` target of Sigstore's
/// TUF repository lists them (the delegated role named after the registry's host signs it):
/// each key's id, what it is for, its SubjectPublicKeyInfo and the window it is valid in.
public struct NPMRegistryKeys: Sendable {
    /// The TUF target the keys are published as.
    public static let targetPath = "registry.npmjs.org/keys.json"
    /// The use of the keys that sign publish attestations.
    public static let attestationUsage = "npm:attestations"

    /// One key.
    public struct Key: Sendable {
        /// The key's id, `SHA256:…`, as bundles name it in their key hint.
        public let id: String
        /// What the key is for (`npm:attestations`, `npm:signatures`).
        public let usage: String
        /// The key.
        public let key: VerificationKey
        /// From when the key signs.
        public let validFrom: Date
        /// Until when, if it has been retired.
        public let validUntil: Date?

        /// Whether the key was valid at `time`.
        public func isValid(at time: Date) -> Bool {
            time >= validFrom && validUntil.map { time <= $0 } ?? true
        }
    }

    /// The keys.
    public let keys: [Key]

    /// Reads the target's JSON bytes. Keys of a kind this verifier cannot use are skipped, not
    /// refused, so that a key added for another use does not break verification.
    public init(bytes: [UInt8]) throws(ProvenanceError) {
        guard case .object(let object)? = try? JSONParser().parse(bytes), case .array(let entries)? = object["keys"] else {
            throw ProvenanceError(["the registry keys are not a JSON object with keys"])
        }
        var keys: [Key] = []
        for (index, entry) in entries.enumerated() {
            guard case .object(let fields) = entry, let id = fields["keyId"]?.stringValue, let usage = fields["keyUsage"]?.stringValue,
                case .object(let publicKey)? = fields["publicKey"], let raw = publicKey["rawBytes"]?.stringValue,
                let der = Base64.decode(raw), let start = publicKey["validFor"]?.objectValue?["start"]?.stringValue
            else { throw ProvenanceError(["registry key \(index) lacks its keyId, keyUsage, publicKey or validFor.start"]) }
            guard let validFrom = Self.date(start) else { throw ProvenanceError(["registry key \(id): \(start) is not a time"]) }
            var validUntil: Date?
            if let end = publicKey["validFor"]?.objectValue?["end"]?.stringValue {
                guard let parsed = Self.date(end) else { throw ProvenanceError(["registry key \(id): \(end) is not a time"]) }
                validUntil = parsed
            }
            guard let key = try? VerificationKey(der: der, keyDetails: publicKey["keyDetails"]?.stringValue ?? "") else { continue }
            keys.append(Key(id: id, usage: usage, key: key, validFrom: validFrom, validUntil: validUntil))
        }
        self.keys = keys
    }

    /// The key with `id` for `usage`, if listed.
    public func key(id: String, usage: String = attestationUsage) -> Key? {
        keys.first { $0.id == id && $0.usage == usage }
    }

    /// An RFC 3339 time, with or without fractional seconds.
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
