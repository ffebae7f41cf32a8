import Foundation
import SwiftASN1
import TUF
import TestSupport
import Testing
import X509

@testable import Sigstore

/// The precertificate TBS an SCT signs is rebuilt by walking the DER; it must equal what a full
/// parse and re-encoding gives, and malformed DER must be refused, never read past its end.
@Suite("Precertificate TBS")
struct PrecertificateTBSTests {
    /// The same rebuild through SwiftASN1's tree: every field kept but the SCT list extension.
    static func reference(_ certificate: Certificate) throws -> [UInt8] {
        let tbs = try DER.parse(certificate.tbsCertificateBytes)
        guard case .constructed(let fields) = tbs.content else { throw VerificationError(.bundle, "not constructed") }
        var content: [UInt8] = []
        for field in fields {
            guard field.identifier == ASN1Identifier(tagWithNumber: 3, tagClass: .contextSpecific),
                case .constructed(let wrapped) = field.content, let sequence = wrapped.first(where: { _ in true }),
                case .constructed(let extensions) = sequence.content
            else {
                content += field.encodedBytes
                continue
            }
            var kept: [UInt8] = []
            for ext in extensions {
                let oid = try DER.sequence(ext, identifier: .sequence) { parts in
                    let oid = try ASN1ObjectIdentifier(derEncoded: &parts)
                    while parts.next() != nil {}
                    return oid
                }
                if oid != SignedCertificateTimestamp.extensionOID { kept += ext.encodedBytes }
            }
            content += DEREncoding.element(0xA3, DEREncoding.element(0x30, kept))
        }
        return DEREncoding.element(0x30, content)
    }

    @Test func matchesAFullReencodingAndLeavesOtherCertificatesAlone() throws {
        let instance = try TestInstance()
        let bundle = try SigstoreBundle(
            bytes: JSONWriter.prettyPrinted(try instance.bundle(for: Array("x".utf8), TestInstance.Options(time: instance.epoch)).bundle)
        )
        let leaf = try #require(bundle.leafCertificate)
        #expect(leaf.extensions[oid: SignedCertificateTimestamp.extensionOID] != nil)
        let rebuilt = try SignedCertificateTimestamp.precertificateTBS(leaf)
        #expect(rebuilt == (try Self.reference(leaf)))
        #expect(rebuilt.count < leaf.tbsCertificateBytes.count)

        // Without an SCT list the TBS comes back byte for byte.
        let root = try TrustedRoot(bytes: KnownTrustedRoot.production.bytes)
        for certificate in root.certificateAuthorities.flatMap(\.certificates) + root.timestampAuthorities.flatMap(\.certificates) {
            #expect(try SignedCertificateTimestamp.precertificateTBS(certificate) == Array(certificate.tbsCertificateBytes))
        }
    }

    @Test(
        arguments: [
            [0x30], [0x30, 0x05, 0x02, 0x01], [0x30, 0x81], [0x30, 0x82, 0xFF, 0xFF, 0x00], [0x30, 0x85, 0, 0, 0, 0, 1, 0],
            [0x1F, 0x01, 0x00], [0x30, 0x80, 0x00, 0x00],
        ] as [[UInt8]]
    )
    func refusesMalformedDER(_ bytes: [UInt8]) {
        var reader = DERElementReader(ArraySlice(bytes))
        #expect(throws: VerificationError.self) {
            while try reader.next() != nil {}
        }
    }

    @Test func readsElementsInTurn() throws {
        var reader = DERElementReader(ArraySlice([0x02, 0x01, 0x05, 0x04, 0x81, 0x02, 0xAA, 0xBB]))
        let first = try #require(try reader.next())
        #expect(first.tag == 0x02 && Array(first.content) == [0x05] && Array(first.element) == [0x02, 0x01, 0x05])
        let second = try #require(try reader.next())
        #expect(second.tag == 0x04 && Array(second.content) == [0xAA, 0xBB])
        #expect(try reader.next() == nil && reader.isAtEnd)
    }
}
