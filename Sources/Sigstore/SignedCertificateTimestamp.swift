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
        var signed: [UInt8] = []
        signed.reserveCapacity(17 + issuerKeyHash.count + tbs.count + extensions.count)
        signed += [0, 0]  // version 1, certificate_timestamp
        withUnsafeBytes(of: rawTimestamp.bigEndian) { signed += $0 }
        signed += [0, 1]  // precert_entry
        signed += issuerKeyHash
        signed += [UInt8(tbs.count >> 16 & 0xff), UInt8(tbs.count >> 8 & 0xff), UInt8(tbs.count & 0xff)]
        signed += tbs
        signed += [UInt8(extensions.count >> 8 & 0xff), UInt8(extensions.count & 0xff)]
        signed += extensions
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
    /// The TBS is walked element by element, by offsets into its bytes, rather than parsed into
    /// a tree: the certificate was already parsed as strict DER (so it has at most one SCT list
    /// and minimal lengths), and the tree cost more than the rest of the SCT check but its
    /// signature. The result is the TBS with that extension cut out and the three lengths
    /// around it shortened.
    static func precertificateTBS(_ certificate: Certificate) throws(VerificationError) -> [UInt8] {
        try precertificateTBS(tbs: certificate.tbsCertificateBytes)
    }

    /// The DER TBS certificate `tbs` without its SCT list extension.
    static func precertificateTBS(tbs tbsBytes: ArraySlice<UInt8>) throws(VerificationError) -> [UInt8] {
        func malformed(_ what: String) -> VerificationError { VerificationError(.signedCertificateTimestamp, "malformed \(what)") }
        let sctListOID = extensionOIDDER
        return try tbsBytes.withUnsafeBufferPointer { (bytes) throws(VerificationError) -> [UInt8] in
            var outer = DERElementReader(bytes)
            guard let tbs = try outer.next(), tbs.tag == 0x30, outer.isAtEnd else { throw malformed("TBS") }
            var fields = DERElementReader(bytes, tbs.content)
            while let field = try fields.next() {
                guard field.tag == 0xA3 else { continue }
                var wrapped = DERElementReader(bytes, field.content)
                guard let sequence = try wrapped.next(), sequence.tag == 0x30, wrapped.isAtEnd else { throw malformed("extensions") }
                var extensions = DERElementReader(bytes, sequence.content)
                while let ext = try extensions.next() {
                    guard ext.tag == 0x30 else { throw malformed("extension") }
                    var parts = DERElementReader(bytes, ext.content)
                    guard let oid = try parts.next(), oid.tag == 0x06 else { throw malformed("extension") }
                    guard UnsafeBufferPointer(rebasing: bytes[oid.element]).elementsEqual(sctListOID) else { continue }
                    // Shorter contents may take shorter length fields, all the way out.
                    let sequenceLength = sequence.content.count - ext.element.count
                    let fieldLength = DEREncoding.headerCount(length: sequenceLength) + sequenceLength
                    let tbsLength = tbs.content.count - field.element.count + DEREncoding.headerCount(length: fieldLength) + fieldLength
                    var output: [UInt8] = []
                    output.reserveCapacity(bytes.count)
                    DEREncoding.appendHeader(0x30, length: tbsLength, to: &output)
                    output += bytes[tbs.content.lowerBound..<field.element.lowerBound]
                    DEREncoding.appendHeader(0xA3, length: fieldLength, to: &output)
                    DEREncoding.appendHeader(0x30, length: sequenceLength, to: &output)
                    output += bytes[sequence.content.lowerBound..<ext.element.lowerBound]
                    output += bytes[ext.element.upperBound..<tbs.content.upperBound]
                    return output
                }
            }
            return Array(bytes)
        }
    }
}

/// Reads DER elements (tag, definite length, contents) one after another, as ranges of offsets
/// into a buffer, without building a tree or holding references. Refuses lengths that run past
/// the range read.
struct DERElementReader {
    /// One element: its single-byte tag, and the offsets of its contents and of the whole element.
    struct Element {
        let tag: UInt8
        let content: Range<Int>
        let element: Range<Int>
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let end: Int
    private var position: Int

    /// A reader of the elements in `range` of `bytes` (all of it by default).
    init(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>? = nil) {
        self.bytes = bytes
        position = range?.lowerBound ?? 0
        end = range?.upperBound ?? bytes.count
    }

    var isAtEnd: Bool { position == end }

    /// The next element, or nil at the end of the range.
    mutating func next() throws(VerificationError) -> Element? {
        guard !isAtEnd else { return nil }
        let start = position
        let tag = bytes[position]
        // Multi-byte tags do not occur in a TBS certificate's outer structure.
        guard tag & 0x1F != 0x1F, end - position >= 2 else { throw Self.malformed }
        var length = Int(bytes[position + 1])
        position += 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count >= 1, count <= 4, end - position >= count else { throw Self.malformed }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(bytes[position])
                position += 1
            }
        }
        guard length <= end - position else { throw Self.malformed }
        let content = position..<position + length
        position += length
        return Element(tag: tag, content: content, element: start..<position)
    }

    private static var malformed: VerificationError { VerificationError(.signedCertificateTimestamp, "malformed DER in the certificate") }
}

/// Minimal DER element writing, for rebuilding a certificate's TBS.
public enum DEREncoding {
    /// Appends the identifier and definite length of an element with tag `tag` and `length`
    /// bytes of contents.
    static func appendHeader(_ tag: UInt8, length: Int, to output: inout [UInt8]) {
        output.append(tag)
        guard length >= 0x80 else {
            output.append(UInt8(length))
            return
        }
        let count = lengthByteCount(length)
        output.append(0x80 | UInt8(count))
        for index in stride(from: count - 1, through: 0, by: -1) { output.append(UInt8(truncatingIfNeeded: length >> (8 * index))) }
    }

    /// The bytes ``appendHeader(_:length:to:)`` writes for `length`: the tag and the length.
    static func headerCount(length: Int) -> Int { length < 0x80 ? 2 : 2 + lengthByteCount(length) }

    private static func lengthByteCount(_ length: Int) -> Int { (Int.bitWidth - length.leadingZeroBitCount + 7) / 8 }

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
