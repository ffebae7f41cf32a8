import ArgumentParser
import Foundation
import Sigstore
import SwiftASN1
import TUF
import TransparencyLog
import X509

/// `trustroot inspect`: what is in a bundle or certificate, for a person finding out why a
/// verification failed. Nothing is verified.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what a Sigstore bundle or a certificate says, without verifying it.",
        discussion:
            "Certificates: subject, issuer, validity, SAN, every Fulcio extension by name, SCTs. Bundles add log entries, checkpoints, timestamps and in-toto subjects."
    )

    @Argument(help: "A bundle (.sigstore.json), or a certificate (PEM or DER).")
    var file: String

    @Flag(help: "Print what the file says as JSON.")
    var json = false

    /// Fulcio's extension names under 1.3.6.1.4.1.57264.1.
    static let fulcioExtensions = [
        1: "Issuer (deprecated form)", 2: "GitHub Workflow Trigger (deprecated)", 3: "GitHub Workflow SHA (deprecated)",
        4: "GitHub Workflow Name (deprecated)", 5: "GitHub Workflow Repository (deprecated)", 6: "GitHub Workflow Ref (deprecated)",
        7: "OtherName SAN", 8: "Issuer", 9: "Build Signer URI", 10: "Build Signer Digest", 11: "Runner Environment",
        12: "Source Repository URI", 13: "Source Repository Digest", 14: "Source Repository Ref", 15: "Source Repository Identifier",
        16: "Source Repository Owner URI", 17: "Source Repository Owner Identifier", 18: "Build Config URI", 19: "Build Config Digest",
        20: "Build Trigger", 21: "Run Invocation URI", 22: "Source Repository Visibility At Signing",
    ]

    func run() throws {
        let bytes = try readFile(file, limit: 16 << 20)
        if let bundle = try? SigstoreBundle(bytes: bytes) {
            if json {
                FileHandleOutput.standardOutput.write(JSONWriter.prettyPrinted(Self.json(bundle)))
            } else {
                print(Self.describe(bundle), terminator: "")
            }
            return
        }
        if let certificate = Self.certificate(bytes) {
            if json {
                FileHandleOutput.standardOutput.write(JSONWriter.prettyPrinted(Self.json(certificate)))
            } else {
                print(Self.describe(certificate), terminator: "")
            }
            return
        }
        do {
            _ = try SigstoreBundle(bytes: bytes)
        } catch {
            throw CLIError(message: "\(file): neither a certificate nor a bundle (\(error))", code: .invalidData)
        }
    }

    static func certificate(_ bytes: [UInt8]) -> Certificate? {
        if let certificate = try? Certificate(derEncoded: bytes) { return certificate }
        return try? Certificate(pemEncoded: String(decoding: bytes, as: UTF8.self))
    }

    /// A serial number as openssl and browsers show it: every byte as two hex digits, leading
    /// zeros kept, colon-separated.
    static func serial(_ number: Certificate.SerialNumber) -> String {
        number.bytes.map { Hex.encode([$0]) }.joined(separator: ":")
    }

    static func describe(_ certificate: Certificate, indent: String = "") -> String {
        var lines = [
            "subject: \(certificate.subject)",
            "issuer: \(certificate.issuer)",
            "serial: \(Self.serial(certificate.serialNumber))",
            "valid: \(MetadataDate.format(certificate.notValidBefore)) to \(MetadataDate.format(certificate.notValidAfter))",
        ]
        let fulcio = FulcioCertificate(certificate)
        if !fulcio.identities.isEmpty { lines.append("identity (SAN): \(fulcio.identities.joined(separator: ", "))") }
        for number in fulcio.claimNumbers {
            let oid = "\(FulcioCertificate.arc).\(number)"
            let raw = (try? ASN1ObjectIdentifier(dotRepresentation: oid)).flatMap { certificate.extensions[oid: $0]?.value }
            let name = fulcioExtensions[number] ?? "Fulcio extension"
            lines.append("\(name) (\(oid)): \(fulcio.claim(number) ?? raw.map { Hex.encode(Array($0)) } ?? "")")
        }
        if let scts = try? SignedCertificateTimestamp.embedded(in: certificate) {
            for sct in scts {
                lines.append("SCT: log \(Data(sct.logID).base64EncodedString()) at \(MetadataDate.format(sct.timestamp))")
            }
        }
        return lines.map { indent + $0 }.joined(separator: "\n") + "\n"
    }

    static func describe(_ bundle: SigstoreBundle) -> String {
        var out = "bundle v\(bundle.version.rawValue)\n"
        if let leaf = bundle.leafCertificate {
            out += "signing certificate:\n" + describe(leaf, indent: "  ")
            if bundle.certificates.count > 1 { out += "  (and \(bundle.certificates.count - 1) more certificates in the chain)\n" }
        } else {
            out += "managed key, hint \"\(bundle.publicKeyHint ?? "")\"\n"
        }
        for entry in bundle.transparencyLogEntries {
            out += "log entry \(entry.logIndex) (\(entry.kind) \(entry.kindVersion)) in log \(Data(entry.logID).base64EncodedString())\n"
            if let time = entry.integratedTime {
                out +=
                    "  integrated \(MetadataDate.format(Date(timeIntervalSince1970: Double(time))))\(entry.signedEntryTimestamp == nil ? "" : ", with a signed entry timestamp")\n"
            }
            if let proof = entry.inclusionProof {
                out += "  inclusion proof: index \(proof.logIndex) of \(proof.treeSize), \(proof.hashes.count) hashes\n"
                if let envelope = proof.checkpoint, let checkpoint = try? Checkpoint(envelope) {
                    out +=
                        "  checkpoint: \(checkpoint.origin), size \(checkpoint.treeSize), signed by \(checkpoint.signatures.map(\.name).joined(separator: ", "))\n"
                }
            }
        }
        for der in bundle.timestamps {
            if let token = try? TimestampToken(der: der) {
                out += "RFC 3161 timestamp: \(MetadataDate.format(token.time)), \(token.certificates.count) embedded certificates\n"
            } else {
                out += "RFC 3161 timestamp: unreadable\n"
            }
        }
        switch bundle.content {
        case .messageSignature(_, let algorithm, let digest):
            out += "message signature over \(algorithm ?? "?") \(digest.map { Hex.encode($0) } ?? "(no digest given)")\n"
        case .envelope(let envelope):
            out += "DSSE envelope, payload type \(envelope.payloadType), \(envelope.signatures.count) signature(s)\n"
            if let statement = try? JSONParser().parse(envelope.payload).objectValue {
                out +=
                    "  statement \(statement["_type"]?.stringValue ?? "?"), predicate type \(statement["predicateType"]?.stringValue ?? "?")\n"
                for subject in statement["subject"]?.arrayValue ?? [] {
                    let name = subject.objectValue?["name"]?.stringValue ?? "?"
                    let digests =
                        subject.objectValue?["digest"]?.objectValue?.members.map { "\($0.name):\($0.value.stringValue ?? "?")" } ?? []
                    out += "  subject \(name) \(digests.joined(separator: " "))\n"
                }
            }
        }
        return out
    }
}
