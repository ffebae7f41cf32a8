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
        try reference(tbs: certificate.tbsCertificateBytes)
    }

    static func reference(tbs bytes: ArraySlice<UInt8>) throws -> [UInt8] {
        let tbs = try DER.parse(bytes)
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
        bytes.withUnsafeBufferPointer { buffer in
            var reader = DERElementReader(buffer)
            #expect(throws: VerificationError.self) {
                while try reader.next() != nil {}
            }
        }
    }

    @Test func readsElementsInTurn() throws {
        let bytes: [UInt8] = [0x02, 0x01, 0x05, 0x04, 0x81, 0x02, 0xAA, 0xBB]
        try bytes.withUnsafeBufferPointer { buffer in
            var reader = DERElementReader(buffer)
            let first = try #require(try reader.next())
            #expect(first.tag == 0x02 && Array(buffer[first.content]) == [0x05] && Array(buffer[first.element]) == [0x02, 0x01, 0x05])
            let second = try #require(try reader.next())
            #expect(second.tag == 0x04 && Array(buffer[second.content]) == [0xAA, 0xBB] && second.element == 3..<8)
            #expect(try reader.next() == nil && reader.isAtEnd)
            // A range: the second element alone; and cut short, where it may not run past the
            // range's end though the buffer goes on.
            var inner = DERElementReader(buffer, 3..<8)
            #expect(try inner.next()?.content == 6..<8 && inner.isAtEnd)
            var cut = DERElementReader(buffer, 3..<7)
            #expect(throws: VerificationError.self) { try cut.next() }
        }
    }

    /// Cutting the SCT list out can shorten the length fields around it: synthetic TBS
    /// structures whose extensions, extension field and TBS straddle the 128- and 256-byte
    /// length forms, with the SCT list first, in the middle or last.
    @Test func lengthFieldsShrinkWithTheCut() throws {
        let oid = SignedCertificateTimestamp.extensionOIDDER
        func ext(_ oidBytes: [UInt8], _ valueCount: Int) -> [UInt8] {
            DEREncoding.element(0x30, oidBytes + DEREncoding.element(0x04, [UInt8](repeating: 0xAB, count: valueCount)))
        }
        let otherOID: [UInt8] = [0x06, 0x03, 0x55, 0x1D, 0x0E]
        var checked = 0
        for serialCount in [1, 40, 100, 200] {
            for otherCount in [0, 10, 60, 100, 120, 200] {
                for sctCount in [5, 50, 120, 300] {
                    for position in 0..<3 {
                        var extensions = [ext(otherOID, otherCount), ext([0x06, 0x03, 0x55, 0x1D, 0x0F], otherCount / 2)]
                        extensions.insert(ext(oid, sctCount), at: position)
                        let tbs = DEREncoding.element(
                            0x30,
                            DEREncoding.element(0x02, [UInt8](repeating: 0x01, count: serialCount))
                                + DEREncoding.element(0xA3, DEREncoding.element(0x30, extensions.flatMap { $0 }))
                        )
                        let rebuilt = try SignedCertificateTimestamp.precertificateTBS(tbs: ArraySlice(tbs))
                        #expect(
                            rebuilt == (try Self.reference(tbs: ArraySlice(tbs))),
                            "\(serialCount) \(otherCount) \(sctCount) \(position)"
                        )
                        #expect(rebuilt.count < tbs.count)
                        checked += 1
                    }
                }
            }
        }
        #expect(checked == 288)
    }

    /// Element headers for every length form: short, and one to four length bytes.
    @Test func headersHaveMinimalLengths() {
        for length in [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0xFF_FFFF, 0x100_0000] {
            var header: [UInt8] = []
            DEREncoding.appendHeader(0x30, length: length, to: &header)
            let content = [UInt8](repeating: 0, count: length)
            #expect(header + content == DEREncoding.element(0x30, content), "\(length)")
        }
    }
}
