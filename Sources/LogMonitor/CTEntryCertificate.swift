import SwiftASN1
import TransparencyLog
import X509

/// The certificate a CT log entry logs, read for the monitor: the certificate whose identities
/// are matched (the one the tree covers) and the certificate whose issuer is checked (the same
/// for an X.509 entry; for a precertificate entry, the precertificate the log keeps beside the
/// tree, which must be the covered TBSCertificate plus the poison).
public struct CTEntryCertificate: Sendable {
    /// The certificate the tree covers; for a precertificate, its TBSCertificate in a
    /// certificate whose signature is empty, read for its names and extensions only.
    public var covered: Certificate
    /// The certificate the CA signed.
    public var issued: Certificate
    /// Its DER, whose SHA-256 is the entry's fingerprint.
    public var issuedDER: [UInt8]
    /// Whether `issued` is a precertificate.
    public var isPrecertificate: Bool

    /// The certificate `entry` logs; nil when it is not a CT leaf, or its precertificate is
    /// missing or is not the TBSCertificate the tree covers.
    public init?(_ entry: LoggedEntry) {
        guard entry.body.first == 0, let leaf = try? CTLeaf(entry.body) else { return nil }
        switch leaf.entry {
        case .certificate(let der):
            guard let certificate = try? Certificate(derEncoded: der) else { return nil }
            (covered, issued, issuedDER, isPrecertificate) = (certificate, certificate, der, false)
        case .precertificate(_, let tbs):
            guard let extra = entry.extraData, let der = try? CTLeaf.precertificate(inExtraData: extra),
                let precertificate = try? Certificate(derEncoded: der), let covered = Self.certificate(tbs: tbs),
                Self.isSame(covered, precertificate)
            else { return nil }
            (self.covered, issued, issuedDER, isPrecertificate) = (covered, precertificate, der, true)
        }
    }

    /// Whether the precertificate is the covered TBSCertificate: the same serial number,
    /// subject and validity, and the same extensions but the poison.
    static func isSame(_ covered: Certificate, _ precertificate: Certificate) -> Bool {
        covered.serialNumber == precertificate.serialNumber && covered.subject == precertificate.subject
            && covered.notValidBefore == precertificate.notValidBefore && covered.notValidAfter == precertificate.notValidAfter
            && covered.publicKey == precertificate.publicKey
            && Array(covered.extensions) == precertificate.extensions.filter { $0.oid != [1, 3, 6, 1, 4, 1, 11129, 2, 4, 3] }
    }

    /// A certificate around `tbs`, with its own signature algorithm and a placeholder signature
    /// of the algorithm's shape (an ECDSA one, else 64 zero bytes), so that the TBSCertificate's
    /// fields can be read; never verified.
    static func certificate(tbs: [UInt8]) -> Certificate? {
        guard let node = try? DER.parse(tbs), case .constructed(let children) = node.content else { return nil }
        var fields = children.makeIterator()
        guard var field = fields.next() else { return nil }
        if field.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
            guard let next = fields.next() else { return nil }
            field = next
        }
        // `field` is the serial number; the signature algorithm follows.
        guard let algorithm = fields.next() else { return nil }
        let placeholders: [[UInt8]] = [
            [0x03, 0x09, 0x00, 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], [0x03, 0x41, 0x00] + Array(repeating: 0, count: 64),
        ]
        for signature in placeholders {
            var serializer = DER.Serializer()
            do {
                serializer.appendConstructedNode(identifier: .sequence) { inner in
                    inner.serializeRawBytes(tbs)
                    inner.serializeRawBytes(algorithm.encodedBytes)
                    inner.serializeRawBytes(signature)
                }
                return try Certificate(derEncoded: serializer.serializedBytes)
            } catch {
                continue
            }
        }
        return nil
    }
}
