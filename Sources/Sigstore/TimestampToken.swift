import Crypto
import Foundation
import SwiftASN1
import X509

/// An RFC 3161 timestamp token: a CMS SignedData whose content is a TSTInfo, signed by a
/// timestamp authority. Parsed with SwiftASN1 (swift-certificates' CMS does not take TSTInfo).
public struct TimestampToken: Sendable {
    /// When the authority says it saw the message.
    public var time: Date
    /// The hash algorithm of the message imprint.
    public var imprintHash: VerificationKey.Hash
    /// The digest of the timestamped message.
    public var imprint: [UInt8]
    /// The certificates the token carries, if any.
    public var certificates: [Certificate]
    /// The nonce the request asked the authority to repeat (the INTEGER's DER content octets), if any.
    public var nonce: [UInt8]?

    let tstInfo: [UInt8]
    let signerDigest: VerificationKey.Hash
    let signedAttributes: [UInt8]?
    let signedAttributesDigest: [UInt8]?
    let signature: [UInt8]
    let signerIssuer: DistinguishedName?
    let signerSerial: [UInt8]?
    let signerKeyIdentifier: [UInt8]?

    static let signedData = try! ASN1ObjectIdentifier(dotRepresentation: "1.2.840.113549.1.7.2")
    static let tstInfoType = try! ASN1ObjectIdentifier(dotRepresentation: "1.2.840.113549.1.9.16.1.4")
    static let messageDigestAttribute = try! ASN1ObjectIdentifier(dotRepresentation: "1.2.840.113549.1.9.4")
    static let contentTypeAttribute = try! ASN1ObjectIdentifier(dotRepresentation: "1.2.840.113549.1.9.3")

    static func hash(_ oid: ASN1ObjectIdentifier) -> VerificationKey.Hash? {
        switch oid.description {
        case "2.16.840.1.101.3.4.2.1": return .sha256
        case "2.16.840.1.101.3.4.2.2": return .sha384
        case "2.16.840.1.101.3.4.2.3": return .sha512
        default: return nil
        }
    }

    /// Reads a DER TimeStampToken.
    public init(der: [UInt8]) throws(VerificationError) {
        do {
            self = try Self.parse(der)
        } catch let error as VerificationError {
            throw error
        } catch {
            throw VerificationError(.timestamp, "not an RFC 3161 timestamp token: \(error)")
        }
    }

    private init(
        time: Date,
        imprintHash: VerificationKey.Hash,
        imprint: [UInt8],
        certificates: [Certificate],
        nonce: [UInt8]?,
        tstInfo: [UInt8],
        signerDigest: VerificationKey.Hash,
        signedAttributes: [UInt8]?,
        signedAttributesDigest: [UInt8]?,
        signature: [UInt8],
        signerIssuer: DistinguishedName?,
        signerSerial: [UInt8]?,
        signerKeyIdentifier: [UInt8]?
    ) {
        (self.time, self.imprintHash, self.imprint, self.certificates, self.tstInfo) = (time, imprintHash, imprint, certificates, tstInfo)
        self.nonce = nonce
        (self.signerDigest, self.signedAttributes, self.signedAttributesDigest, self.signature) =
            (signerDigest, signedAttributes, signedAttributesDigest, signature)
        (self.signerIssuer, self.signerSerial, self.signerKeyIdentifier) = (signerIssuer, signerSerial, signerKeyIdentifier)
    }

    private static func failure(_ reason: String) -> VerificationError { VerificationError(.timestamp, reason) }

    private static func parse(_ der: [UInt8]) throws -> TimestampToken {
        var root = try DER.parse(der)
        // A TimeStampResp (status, then the token) is accepted as well as a bare token.
        if case .constructed(let children) = root.content {
            var iterator = children.makeIterator()
            if let status = iterator.next(), status.identifier == .sequence {
                let granted: Bool = try DER.sequence(status, identifier: .sequence) { parts in
                    let value = try Int(derEncoded: &parts)
                    while parts.next() != nil {}
                    return value == 0 || value == 1
                }
                guard granted, let token = iterator.next(), iterator.next() == nil else {
                    throw failure("the timestamp response does not grant a token")
                }
                root = token
            }
        }
        return try DER.sequence(root, identifier: .sequence) { contentInfo in
            guard let typeNode = contentInfo.next(), try ASN1ObjectIdentifier(derEncoded: typeNode) == signedData else {
                throw failure("the token is not CMS SignedData")
            }
            return try DER.explicitlyTagged(&contentInfo, tagNumber: 0, tagClass: .contextSpecific) { signedDataNode in
                try DER.sequence(signedDataNode, identifier: .sequence) { nodes in
                    _ = try Int(derEncoded: &nodes)  // version
                    guard let digestAlgorithms = nodes.next(), digestAlgorithms.identifier == .set else {
                        throw failure("no digest algorithms")
                    }
                    // encapContentInfo
                    guard let encapsulated = nodes.next() else { throw failure("no encapsulated content") }
                    let tstInfo: [UInt8] = try DER.sequence(encapsulated, identifier: .sequence) { encap in
                        guard let type = encap.next(), try ASN1ObjectIdentifier(derEncoded: type) == tstInfoType else {
                            throw failure("the signed content is not a TSTInfo")
                        }
                        return try DER.explicitlyTagged(&encap, tagNumber: 0, tagClass: .contextSpecific) { node in
                            Array(try ASN1OctetString(derEncoded: node).bytes)
                        }
                    }
                    var certificates: [Certificate] = []
                    if let certificateSet = DER.optionalImplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific, { $0 }) {
                        guard case .constructed(let children) = certificateSet.content else { throw failure("malformed certificates") }
                        for child in children where child.identifier == .sequence {
                            certificates.append(try Certificate(derEncoded: Array(child.encodedBytes)))
                        }
                    }
                    _ = DER.optionalImplicitlyTagged(&nodes, tagNumber: 1, tagClass: .contextSpecific, { $0 })  // CRLs
                    guard let signerInfos = nodes.next(), signerInfos.identifier == .set, case .constructed(let infos) = signerInfos.content
                    else { throw failure("no signer infos") }
                    var infoIterator = infos.makeIterator()
                    guard let signerInfo = infoIterator.next(), infoIterator.next() == nil else {
                        throw failure("a timestamp token needs exactly one signer")
                    }
                    let info = try parseTSTInfo(tstInfo)
                    return try DER.sequence(signerInfo, identifier: .sequence) { signer in
                        _ = try Int(derEncoded: &signer)
                        guard let sid = signer.next() else { throw failure("no signer id") }
                        var issuer: DistinguishedName?
                        var serial: [UInt8]?
                        var keyIdentifier: [UInt8]?
                        if sid.identifier == .sequence {
                            (issuer, serial) = try DER.sequence(sid, identifier: .sequence) { parts in
                                guard let issuerNode = parts.next(), let serialNode = parts.next() else {
                                    throw failure("malformed signer id")
                                }
                                return (try DistinguishedName(derEncoded: issuerNode), Array(try ArraySlice<UInt8>(derEncoded: serialNode)))
                            }
                        } else {
                            keyIdentifier = Array(
                                try ASN1OctetString(
                                    derEncoded: sid,
                                    withIdentifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
                                ).bytes
                            )
                        }
                        guard let digestNode = signer.next(), let digest = try algorithmHash(digestNode) else {
                            throw failure("unsupported signer digest algorithm")
                        }
                        var attributes: [UInt8]?
                        var attributesDigest: [UInt8]?
                        if let attributesNode = DER.optionalImplicitlyTagged(&signer, tagNumber: 0, tagClass: .contextSpecific, { $0 }) {
                            // The signature covers the attributes encoded as a SET, not under their [0] tag.
                            var encoded = Array(attributesNode.encodedBytes)
                            encoded[0] = 0x31
                            attributes = encoded
                            guard case .constructed(let list) = attributesNode.content else { throw failure("malformed signed attributes") }
                            var sawContentType = false
                            for attribute in list {
                                try DER.sequence(attribute, identifier: .sequence) { parts in
                                    guard let typeNode = parts.next(), let values = parts.next(),
                                        case .constructed(let valueNodes) = values.content
                                    else {
                                        throw failure("malformed attribute")
                                    }
                                    let type = try ASN1ObjectIdentifier(derEncoded: typeNode)
                                    var valueIterator = valueNodes.makeIterator()
                                    if type == messageDigestAttribute, let value = valueIterator.next() {
                                        attributesDigest = Array(try ASN1OctetString(derEncoded: value).bytes)
                                    } else if type == contentTypeAttribute, let value = valueIterator.next() {
                                        guard try ASN1ObjectIdentifier(derEncoded: value) == tstInfoType else {
                                            throw failure("the signed content type is not TSTInfo")
                                        }
                                        sawContentType = true
                                    }
                                    while parts.next() != nil {}
                                }
                            }
                            guard attributesDigest != nil, sawContentType else {
                                throw failure("the signed attributes lack the message digest or the content type")
                            }
                        }
                        guard signer.next() != nil else { throw failure("no signature algorithm") }
                        guard let signatureNode = signer.next() else { throw failure("no signature") }
                        let signature = Array(try ASN1OctetString(derEncoded: signatureNode).bytes)
                        while signer.next() != nil {}
                        return TimestampToken(
                            time: info.time,
                            imprintHash: info.hash,
                            imprint: info.imprint,
                            certificates: certificates,
                            nonce: info.nonce,
                            tstInfo: tstInfo,
                            signerDigest: digest,
                            signedAttributes: attributes,
                            signedAttributesDigest: attributesDigest,
                            signature: signature,
                            signerIssuer: issuer,
                            signerSerial: serial,
                            signerKeyIdentifier: keyIdentifier
                        )
                    }
                }
            }
        }
    }

    private static func algorithmHash(_ node: ASN1Node) throws -> VerificationKey.Hash? {
        try DER.sequence(node, identifier: .sequence) { parts in
            guard let oid = parts.next() else { return nil }
            while parts.next() != nil {}
            return hash(try ASN1ObjectIdentifier(derEncoded: oid))
        }
    }

    private static func parseTSTInfo(_ bytes: [UInt8]) throws -> (time: Date, hash: VerificationKey.Hash, imprint: [UInt8], nonce: [UInt8]?)
    {
        try DER.sequence(try DER.parse(bytes), identifier: .sequence) { nodes in
            guard try Int(derEncoded: &nodes) == 1 else { throw failure("unsupported TSTInfo version") }
            _ = try ASN1ObjectIdentifier(derEncoded: &nodes)  // policy
            guard let imprintNode = nodes.next() else { throw failure("no message imprint") }
            let (hash, imprint): (VerificationKey.Hash, [UInt8]) = try DER.sequence(imprintNode, identifier: .sequence) { parts in
                guard let algorithm = parts.next(), let hash = try algorithmHash(algorithm), let digest = parts.next() else {
                    throw failure("unsupported message imprint algorithm")
                }
                return (hash, Array(try ASN1OctetString(derEncoded: digest).bytes))
            }
            guard let serial = nodes.next(), serial.identifier == .integer else { throw failure("no serial number") }
            let time = try GeneralizedTime(derEncoded: &nodes)
            // accuracy SEQUENCE, ordering BOOLEAN, nonce INTEGER, all optional and in that order.
            var nonce: [UInt8]?
            while let node = nodes.next() {
                // The content octets as they are: a nonce may be any INTEGER, negative ones included.
                if node.identifier == .integer, nonce == nil, case .primitive(let content) = node.content { nonce = Array(content) }
            }
            return (Date(time), hash, imprint, nonce)
        }
    }

    /// Checks that the token covers `message` (its imprint is the message's digest) and that
    /// `certificate`'s key signed it; does not look at validity periods.
    func verifySignature(by certificate: Certificate) -> Bool {
        guard let key = try? VerificationKey(certificateKey: certificate.publicKey) else { return false }
        if let signerSerial, let signerIssuer {
            guard Array(certificate.serialNumber.bytes.drop(while: { $0 == 0 })) == Array(signerSerial.drop(while: { $0 == 0 })),
                certificate.issuer == signerIssuer
            else { return false }
        } else if let signerKeyIdentifier {
            guard let identifier = try? certificate.extensions.subjectKeyIdentifier, Array(identifier.keyIdentifier) == signerKeyIdentifier
            else {
                return false
            }
        }
        if let signedAttributes, let signedAttributesDigest {
            guard signedAttributesDigest == signerDigest.digest(tstInfo) else { return false }
            return key.isValidSignature(signature, for: signedAttributes, hash: signerDigest)
        }
        return key.isValidSignature(signature, for: tstInfo, hash: signerDigest)
    }
}

extension Date {
    init(_ time: GeneralizedTime) {
        let seconds = ProtoTimestamp.secondsSinceEpoch(
            year: time.year,
            month: time.month,
            day: time.day,
            hour: time.hours,
            minute: time.minutes,
            second: time.seconds
        )
        self = Date(timeIntervalSince1970: Double(seconds) + Double(time.fractionalSeconds))
    }
}
