import Crypto
import Foundation
import SwiftASN1
import X509

/// A signed certificate timestamp embedded in a certificate (RFC 6962, 3.3): a CT log's promise
/// that it logged the certificate's precertificate.
public struct SignedCertificateTimestamp: Sendable, Equatable {
    /// The log's id: SHA-256 of its key.
    public var logID: [UInt8]
    /// When the log saw the precertificate.
    public var timestamp: Date
    /// Extensions (for static CT logs, the leaf index).
    public var extensions: [UInt8]
    /// The hash algorithm (4 = SHA-256) and signature algorithm (1 = RSA, 3 = ECDSA).
    public var hashAlgorithm: UInt8
    /// See ``hashAlgorithm``.
    public var signatureAlgorithm: UInt8
    /// The signature.
    public var signature: [UInt8]
    let rawTimestamp: UInt64

    /// The extension holding a list of SCTs.
    public static let extensionOID = try! ASN1ObjectIdentifier(dotRepresentation: "1.3.6.1.4.1.11129.2.4.2")

    /// The SCTs embedded in `certificate` (none when it has no SCT list).
    public static func embedded(in certificate: Certificate) throws(VerificationError) -> [SignedCertificateTimestamp] {
        guard let ext = certificate.extensions[oid: extensionOID] else { return [] }
        return try list(extensionValue: Array(ext.value))
    }

    /// The SCTs in the value of an SCT list extension: an OCTET STRING holding a TLS-encoded list.
    public static func list(extensionValue: [UInt8]) throws(VerificationError) -> [SignedCertificateTimestamp] {
        let list: [UInt8]
        do {
            list = Array(try ASN1OctetString(derEncoded: extensionValue[...]).bytes)
        } catch {
            throw VerificationError(.signedCertificateTimestamp, "the SCT list extension is not an OCTET STRING")
        }
        var reader = TLSReader(list)
        guard let total = reader.uint16(), Int(total) == reader.remaining else {
            throw VerificationError(.signedCertificateTimestamp, "malformed SCT list")
        }
        var result: [SignedCertificateTimestamp] = []
        while reader.remaining > 0 {
            guard let length = reader.uint16(), let bytes = reader.bytes(Int(length)) else {
                throw VerificationError(.signedCertificateTimestamp, "malformed SCT list entry")
            }
            result.append(try SignedCertificateTimestamp(bytes))
        }
        return result
    }

    init(_ bytes: [UInt8]) throws(VerificationError) {
        var reader = TLSReader(bytes)
        guard reader.uint8() == 0, let logID = reader.bytes(32), let timestamp = reader.uint64(), let extensionLength = reader.uint16(),
            let extensions = reader.bytes(Int(extensionLength)), let hash = reader.uint8(), let algorithm = reader.uint8(),
            let signatureLength = reader.uint16(), let signature = reader.bytes(Int(signatureLength)), reader.remaining == 0
        else { throw VerificationError(.signedCertificateTimestamp, "malformed SCT (only version 1 is known)") }
        self.logID = logID
        self.rawTimestamp = timestamp
        self.timestamp = Date(timeIntervalSince1970: Double(timestamp) / 1000)
        self.extensions = extensions
        self.hashAlgorithm = hash
        self.signatureAlgorithm = algorithm
        self.signature = signature
    }

    /// The SHA-256 of `issuer`'s key (its DER SubjectPublicKeyInfo), as a precertificate entry
    /// names the certificate's issuer.
    public static func issuerKeyHash(_ issuer: Certificate) -> [UInt8] {
        Array(SHA256.hash(data: VerificationKey.spkiDER(issuer.publicKey)))
    }

    /// Checks the SCT's signature by `log` over the precertificate entry: `certificate`'s TBS
    /// without the SCT list, and `issuerKeyHash` (``issuerKeyHash(_:)`` of its issuer).
    public func verify(certificate: Certificate, issuerKeyHash: [UInt8], log: TrustedRoot.Log) throws(VerificationError) {
        guard hashAlgorithm == 4 else {
            throw VerificationError(.signedCertificateTimestamp, "unsupported SCT hash algorithm \(hashAlgorithm)")
        }
        let tbs: [UInt8]
        do {
            tbs = try Self.precertificateTBS(certificate)
        } catch {
            throw VerificationError(.signedCertificateTimestamp, "cannot rebuild the precertificate: \(error)")
        }
        var signed: [UInt8] = [0, 0]  // version 1, certificate_timestamp
        signed += withUnsafeBytes(of: rawTimestamp.bigEndian, Array.init)
        signed += [0, 1]  // precert_entry
        signed += issuerKeyHash
        signed += [UInt8(tbs.count >> 16 & 0xff), UInt8(tbs.count >> 8 & 0xff), UInt8(tbs.count & 0xff)] + tbs
        signed += [UInt8(extensions.count >> 8 & 0xff), UInt8(extensions.count & 0xff)] + extensions
        guard log.key.isValidSignature(signature, for: signed, hash: .sha256) else {
            throw VerificationError(.signedCertificateTimestamp, "the SCT's signature by the CT log \(log.baseURL) does not verify")
        }
    }

    /// The DER of the SCT list extension's OID, which marks the extension to leave out.
    static let extensionOIDDER: [UInt8] = {
        var serializer = DER.Serializer()
        try! serializer.serialize(extensionOID)
        return serializer.serializedBytes
    }()

    /// `certificate`'s TBS without the SCT list extension, as the log signed it (RFC 6962, 3.2).
    ///
    /// The TBS is walked element by element and copied with that one extension left out, rather
    /// than parsed into a tree: the certificate was already parsed as strict DER, and the tree
    /// cost more than the rest of the SCT check but its signature.
    static func precertificateTBS(_ certificate: Certificate) throws(VerificationError) -> [UInt8] {
        func malformed(_ what: String) -> VerificationError { VerificationError(.signedCertificateTimestamp, "malformed \(what)") }
        var outer = DERElementReader(certificate.tbsCertificateBytes)
        guard let tbs = try outer.next(), tbs.tag == 0x30, outer.isAtEnd else { throw malformed("TBS") }
        var fields = DERElementReader(tbs.content)
        var content: [UInt8] = []
        content.reserveCapacity(tbs.content.count)
        while let field = try fields.next() {
            guard field.tag == 0xA3 else {
                content += field.element
                continue
            }
            var wrapped = DERElementReader(field.content)
            guard let sequence = try wrapped.next(), sequence.tag == 0x30, wrapped.isAtEnd else { throw malformed("extensions") }
            var extensions = DERElementReader(sequence.content)
            var kept: [UInt8] = []
            let sctListOID = extensionOIDDER
            while let ext = try extensions.next() {
                guard ext.tag == 0x30 else { throw malformed("extension") }
                var parts = DERElementReader(ext.content)
                guard let oid = try parts.next(), oid.tag == 0x06 else { throw malformed("extension") }
                if !oid.element.elementsEqual(sctListOID) { kept += ext.element }
            }
            content += DEREncoding.element(0xA3, DEREncoding.element(0x30, kept))
        }
        return DEREncoding.element(0x30, content)
    }
}

/// Reads DER elements (tag, definite length, contents) one after another, each as slices of the
/// input, without building a tree. Refuses lengths that run past the input.
struct DERElementReader {
    /// One element: its single-byte tag, its contents, and the whole element.
    struct Element {
        let tag: UInt8
        let content: ArraySlice<UInt8>
        let element: ArraySlice<UInt8>
    }

    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    var isAtEnd: Bool { position == bytes.endIndex }

    /// The next element, or nil at the end of the input.
    mutating func next() throws(VerificationError) -> Element? {
        guard !isAtEnd else { return nil }
        let start = position
        let tag = bytes[position]
        // Multi-byte tags do not occur in a TBS certificate's outer structure.
        guard tag & 0x1F != 0x1F, bytes.endIndex - position >= 2 else { throw Self.malformed }
        var length = Int(bytes[position + 1])
        position += 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count >= 1, count <= 4, bytes.endIndex - position >= count else { throw Self.malformed }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(bytes[position])
                position += 1
            }
        }
        guard length <= bytes.endIndex - position else { throw Self.malformed }
        let content = bytes[position..<position + length]
        position += length
        return Element(tag: tag, content: content, element: bytes[start..<position])
    }

    private static let malformed = VerificationError(.signedCertificateTimestamp, "malformed DER in the certificate")
}

/// Minimal DER element writing, for rebuilding a certificate's TBS.
public enum DEREncoding {
    /// The DER element with tag `tag` and contents `content`.
    public static func element(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var length: [UInt8]
        if content.count < 0x80 {
            length = [UInt8(content.count)]
        } else {
            var value = content.count
            var bytes: [UInt8] = []
            while value > 0 {
                bytes.insert(UInt8(value & 0xff), at: 0)
                value >>= 8
            }
            length = [0x80 | UInt8(bytes.count)] + bytes
        }
        return [tag] + length + content
    }
}

/// Reads TLS presentation-language integers and byte strings.
struct TLSReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, remaining >= count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func uint8() -> UInt8? { bytes(1)?[0] }
    mutating func uint16() -> UInt16? { bytes(2).map { UInt16($0[0]) << 8 | UInt16($0[1]) } }
    mutating func uint64() -> UInt64? { bytes(8).map { $0.reduce(0) { $0 << 8 | UInt64($1) } } }
}
