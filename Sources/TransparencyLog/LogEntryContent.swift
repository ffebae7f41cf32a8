import TUF

/// What a Rekor entry's body records: who signed (certificates or public keys) and the digest
/// they signed, for Rekor v1's hashedrekord 0.0.1, dsse 0.0.1 and intoto 0.0.2 bodies and Rekor
/// v2's hashedrekord and dsse 0.0.2 entries.
///
/// It reads a body that a log proved it holds; it says nothing about whether the signature in it
/// is valid, which the log checked when it took the entry.
public struct LogEntryContent: Sendable, Equatable {
    /// Who signed.
    public enum Signer: Sendable, Equatable {
        /// An X.509 certificate, DER.
        case certificate([UInt8])
        /// A public key, DER SubjectPublicKeyInfo.
        case publicKey([UInt8])

        /// The DER bytes.
        public var der: [UInt8] {
            switch self {
            case .certificate(let der), .publicKey(let der): return der
            }
        }
    }

    /// A digest an entry records.
    public struct Digest: Sendable, Equatable {
        /// The algorithm, in the log's spelling (`sha256`, `SHA2_256`).
        public var algorithm: String
        /// The digest.
        public var value: [UInt8]

        /// Whether this is a SHA-256 digest.
        public var isSHA256: Bool { algorithm == "sha256" || algorithm == "SHA2_256" }
    }

    /// The entry's kind (`hashedrekord`, `dsse`, `intoto`, …).
    public var kind: String
    /// Its version.
    public var apiVersion: String
    /// Who signed; empty for kinds this does not read.
    public var signers: [Signer]
    /// The artifact's digest (hashedrekord) or the payload's (dsse, intoto).
    public var digest: Digest?

    /// Whether this reads the entry's kind and version.
    public var isUnderstood: Bool { !signers.isEmpty }

    /// Reads the body of an entry.
    public init(body: some Collection<UInt8>) throws(LogError) {
        let parsed: JSONValue
        do {
            parsed = try JSONParser().parse(Array(body))
        } catch {
            throw LogError(.malformed, "the entry body is not JSON: \(error)")
        }
        guard case .object(let object) = parsed, let kind = object["kind"]?.stringValue,
            let version = object["apiVersion"]?.stringValue, case .object(let spec)? = object["spec"]
        else { throw LogError(.malformed, "the entry body has no kind, apiVersion and spec") }
        self.kind = kind
        apiVersion = version
        signers = []
        digest = nil
        switch (kind, version) {
        case ("hashedrekord", "0.0.1"):
            signers = [try Self.pemSigner(spec.path("signature", "publicKey", "content")?.stringValue)]
            digest = try Self.hexDigest(spec.path("data", "hash"))
        case ("hashedrekord", "0.0.2"):
            signers = [try Self.protoSigner(spec.path("hashedRekordV002", "signature", "verifier"))]
            digest = try Self.protoDigest(spec.path("hashedRekordV002", "data"))
        case ("dsse", "0.0.1"):
            signers = try Self.each(spec["signatures"]) { (signature) throws(LogError) in
                try Self.pemSigner(signature["verifier"]?.stringValue)
            }
            digest = try Self.hexDigest(spec["payloadHash"])
        case ("dsse", "0.0.2"):
            signers = try Self.each(spec.path("dsseV002", "signatures")) { (signature) throws(LogError) in
                try Self.protoSigner(signature["verifier"])
            }
            digest = try Self.protoDigest(spec.path("dsseV002", "payloadHash"))
        case ("intoto", "0.0.2"):
            signers = try Self.each(spec.path("content", "envelope", "signatures")) { (signature) throws(LogError) in
                try Self.pemSigner(signature["publicKey"]?.stringValue)
            }
            digest = try Self.hexDigest(spec.path("content", "payloadHash"))
        default:
            break
        }
    }

    static func each(_ value: JSONValue?, _ read: (JSONObject) throws(LogError) -> Signer) throws(LogError) -> [Signer] {
        guard case .array(let items)? = value, !items.isEmpty, items.count <= 64 else {
            throw LogError(.malformed, "the entry lists no signatures, or too many")
        }
        var signers: [Signer] = []
        for item in items {
            guard case .object(let object) = item else { throw LogError(.malformed, "an entry signature is not an object") }
            signers.append(try read(object))
        }
        return signers
    }

    /// A signer given as base64 of a PEM block (intoto bodies add one more base64 layer).
    static func pemSigner(_ text: String?) throws(LogError) -> Signer {
        guard let text, var decoded = Base64.decode(text) else {
            throw LogError(.malformed, "the entry's signer is not base64")
        }
        if !decoded.starts(with: Array("-----BEGIN".utf8)), let again = Base64.decode(String(decoding: decoded, as: UTF8.self)) {
            decoded = again
        }
        guard let block = PEM.decode(decoded) else { throw LogError(.malformed, "the entry's signer is not a PEM block") }
        switch block.label {
        case "CERTIFICATE": return .certificate(block.der)
        case "PUBLIC KEY": return .publicKey(block.der)
        default: throw LogError(.malformed, "the entry's signer is a PEM \(block.label), not a certificate or public key")
        }
    }

    /// A Rekor v2 verifier: an X.509 certificate or a public key, raw bytes in base64.
    static func protoSigner(_ value: JSONValue?) throws(LogError) -> Signer {
        guard case .object(let verifier)? = value else { throw LogError(.malformed, "the entry has no verifier") }
        if let raw = verifier.path("x509Certificate", "rawBytes")?.stringValue, let der = Base64.decode(raw) {
            return .certificate(der)
        }
        if let raw = verifier.path("publicKey", "rawBytes")?.stringValue, let der = Base64.decode(raw) {
            return .publicKey(der)
        }
        throw LogError(.malformed, "the entry's verifier is neither a certificate nor a public key")
    }

    static func hexDigest(_ value: JSONValue?) throws(LogError) -> Digest {
        guard case .object(let hash)? = value, let algorithm = hash["algorithm"]?.stringValue,
            let hex = hash["value"]?.stringValue, let bytes = Hex.decode(hex)
        else { throw LogError(.malformed, "the entry's digest is not an algorithm and a hex value") }
        return Digest(algorithm: algorithm, value: bytes)
    }

    static func protoDigest(_ value: JSONValue?) throws(LogError) -> Digest {
        guard case .object(let hash)? = value, let algorithm = hash["algorithm"]?.stringValue,
            let text = hash["digest"]?.stringValue, let bytes = Base64.decode(text)
        else { throw LogError(.malformed, "the entry's digest is not an algorithm and a base64 digest") }
        return Digest(algorithm: algorithm, value: bytes)
    }
}

extension JSONObject {
    /// The value at the end of `names`, each naming a member of an object.
    func path(_ names: String...) -> JSONValue? {
        var current: JSONValue = .object(self)
        for name in names {
            guard case .object(let object) = current, let next = object[name] else { return nil }
            current = next
        }
        return current
    }
}
