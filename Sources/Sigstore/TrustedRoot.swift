import Crypto
import Foundation
import SwiftASN1
import TUF
import X509

/// Sigstore's trusted root (protobuf-specs `TrustedRoot`, JSON): the certificate authorities,
/// transparency logs, certificate-transparency logs and timestamp authorities a verifier trusts,
/// each with the period in which it was trusted.
public struct TrustedRoot: Sendable {
    /// When an authority or log was trusted: from `start` to `end` inclusive (open-ended when
    /// `end` is absent).
    public struct Validity: Sendable, Equatable {
        /// The first instant.
        public var start: Date
        /// The last instant, if any.
        public var end: Date?

        /// A period from `start` to `end` (open-ended when nil).
        public init(start: Date, end: Date? = nil) {
            self.start = start
            self.end = end
        }

        /// Whether `date` falls in the period, its ends included.
        public func contains(_ date: Date) -> Bool { date >= start && (end.map { date <= $0 } ?? true) }
    }

    /// A transparency log (Rekor) or a certificate-transparency log.
    public struct Log: Sendable {
        /// The log's URL.
        public var baseURL: String
        /// The log's id: for Rekor v1 and CT logs the SHA-256 of its key's DER SubjectPublicKeyInfo.
        public var logID: [UInt8]
        /// The key the log signs with.
        public var key: VerificationKey
        /// When the key was in use.
        public var validity: Validity
    }

    /// A certificate authority (Fulcio) or a timestamp authority.
    public struct Authority: Sendable {
        /// The authority's URL.
        public var uri: String
        /// Its certificates, the issuing one first and the root last.
        public var certificates: [Certificate]
        /// When it was trusted.
        public var validity: Validity
    }

    /// The media type this reads (its version may be 0.1 or 0.2).
    public static let mediaTypePrefix = "application/vnd.dev.sigstore.trustedroot"

    /// Rekor logs.
    public var transparencyLogs: [Log]
    /// Certificate-transparency logs.
    public var certificateTransparencyLogs: [Log]
    /// Certificate authorities issuing signing certificates.
    public var certificateAuthorities: [Authority]
    /// RFC 3161 timestamp authorities.
    public var timestampAuthorities: [Authority]

    /// Reads a trusted root, or the trusted root of a protobuf-specs `ClientTrustConfig`
    /// (``ClientTrustConfig``); every required field must be present, unknown fields are ignored.
    public init(bytes: [UInt8]) throws(VerificationError) {
        let document = try ProtoObject(parsing: bytes, what: "trusted root", check: .trustedRoot)
        if try document.string("mediaType").hasPrefix(ClientTrustConfig.mediaTypePrefix) {
            try self.init(object: try document.object("trustedRoot"))
        } else {
            try self.init(object: document)
        }
    }

    /// Reads the trusted root `root`.
    package init(object root: ProtoObject) throws(VerificationError) {
        let mediaType = try root.string("mediaType")
        guard mediaType.hasPrefix(Self.mediaTypePrefix) else {
            throw VerificationError(.trustedRoot, "unknown media type \(mediaType)")
        }
        transparencyLogs = try root.objects("tlogs").map(Self.log)
        certificateTransparencyLogs = try root.objects("ctlogs").map(Self.log)
        certificateAuthorities = try root.objects("certificateAuthorities").map(Self.authority)
        timestampAuthorities = try root.objects("timestampAuthorities").map(Self.authority)
    }

    static func validity(_ object: ProtoObject, _ name: String) throws(VerificationError) -> Validity {
        guard let period = try object.optionalObject(name), let start = try period.optionalTimestamp("start") else {
            throw object.failure("\(name).start", "is missing: a trusted key or authority needs the start of its validity")
        }
        return Validity(start: start, end: try period.optionalTimestamp("end"))
    }

    static func log(_ object: ProtoObject) throws(VerificationError) -> Log {
        let key = try object.object("publicKey")
        let der = try key.bytes("rawBytes")
        let parsed: VerificationKey
        do {
            parsed = try VerificationKey(der: der, keyDetails: try key.optionalString("keyDetails") ?? "")
        } catch {
            throw VerificationError(.trustedRoot, "\(key.path): \(error.reason)")
        }
        return Log(
            baseURL: try object.optionalString("baseUrl") ?? "",
            logID: try object.object("logId").bytes("keyId"),
            key: parsed,
            validity: try validity(key, "validFor")
        )
    }

    static func authority(_ object: ProtoObject) throws(VerificationError) -> Authority {
        var certificates: [Certificate] = []
        for certificate in try object.object("certChain").objects("certificates") {
            do {
                certificates.append(try Certificate(derEncoded: try certificate.bytes("rawBytes")))
            } catch let error as VerificationError {
                throw error
            } catch {
                throw VerificationError(.trustedRoot, "\(certificate.path) is not an X.509 certificate: \(error)")
            }
        }
        guard !certificates.isEmpty else { throw object.failure("certChain", "has no certificates") }
        return Authority(
            uri: try object.optionalString("uri") ?? "",
            certificates: certificates,
            validity: try validity(object, "validFor")
        )
    }

    /// Every transparency log entry with id `logID`: a log whose key was rotated is listed once
    /// per key, each with its window; the caller picks by the time it checks.
    public func transparencyLogs(_ logID: [UInt8]) -> [Log] { transparencyLogs.filter { $0.logID == logID } }

    /// Every certificate-transparency log entry with id `logID`.
    public func certificateTransparencyLogs(_ logID: [UInt8]) -> [Log] { certificateTransparencyLogs.filter { $0.logID == logID } }
}
