import Foundation
import Sigstore
import TUF

/// Where to sign: the certificate authorities, OIDC providers, transparency logs and timestamp
/// authorities of a Sigstore instance (protobuf-specs `SigningConfig` v0.2), and how many logs
/// and timestamp authorities a bundle must use.
public struct SigningConfig: Sendable {
    /// One service endpoint.
    public struct Service: Sendable, Equatable {
        /// The service's URL (for timestamp authorities, the full request URL).
        public var url: URL
        /// The major version of the service's API.
        public var majorAPIVersion: Int
        /// When the service may be used.
        public var validity: TrustedRoot.Validity
        /// Who runs it.
        public var operatorName: String

        /// A service at `url` speaking API version `majorAPIVersion`, valid from `start` on.
        public init(url: URL, majorAPIVersion: Int, validity: TrustedRoot.Validity, operatorName: String) {
            self.url = url
            self.majorAPIVersion = majorAPIVersion
            self.validity = validity
            self.operatorName = operatorName
        }
    }

    /// How many services of a kind to use.
    public enum Selector: Sendable, Equatable {
        /// One from each operator.
        case all
        /// Any one.
        case any
        /// Exactly this many, from distinct operators.
        case exact(Int)
    }

    /// The services a signer will use, chosen at one time.
    public struct Selection: Sendable {
        /// The certificate authority.
        public var certificateAuthority: Service?
        /// The transparency logs, each to receive an entry.
        public var transparencyLogs: [Service]
        /// The timestamp authorities, each to timestamp the signature.
        public var timestampAuthorities: [Service]
    }

    /// The media type this reads.
    public static let mediaType = "application/vnd.dev.sigstore.signingconfig.v0.2+json"
    /// The API versions this signer speaks, by kind.
    static let supportedCAVersions: Set<Int> = [1]
    static let supportedLogVersions: Set<Int> = [1, 2]
    static let supportedTSAVersions: Set<Int> = [1]

    /// Certificate authorities (Fulcio).
    public var certificateAuthorities: [Service]
    /// OIDC providers.
    public var oidcProviders: [Service]
    /// Transparency logs (Rekor).
    public var transparencyLogs: [Service]
    /// Timestamp authorities.
    public var timestampAuthorities: [Service]
    /// How many transparency logs to use.
    public var transparencyLogSelector: Selector
    /// How many timestamp authorities to use.
    public var timestampSelector: Selector

    /// A configuration naming each service directly, as command-line flags do.
    public init(
        certificateAuthority: URL?,
        transparencyLog: URL,
        transparencyLogVersion: Int = 1,
        timestampAuthority: URL? = nil
    ) {
        let always = TrustedRoot.Validity(start: Date(timeIntervalSince1970: 0), end: nil)
        certificateAuthorities =
            certificateAuthority.map { [Service(url: $0, majorAPIVersion: 1, validity: always, operatorName: "")] } ?? []
        oidcProviders = []
        transparencyLogs = [Service(url: transparencyLog, majorAPIVersion: transparencyLogVersion, validity: always, operatorName: "")]
        timestampAuthorities = timestampAuthority.map { [Service(url: $0, majorAPIVersion: 1, validity: always, operatorName: "")] } ?? []
        transparencyLogSelector = .any
        timestampSelector = .any
    }

    /// `text` as a service URL: http or https, with a host; nil otherwise.
    public static func serviceURL(_ text: String) -> URL? {
        guard let url = URL(string: text), url.scheme == "https" || url.scheme == "http", url.host != nil else { return nil }
        return url
    }

    /// Reads a `signing_config.json`, or the signing config of a protobuf-specs
    /// `ClientTrustConfig`.
    public init(bytes: [UInt8]) throws(SigningError) {
        do {
            var config = try ProtoObject(parsing: bytes, what: "signing config", check: .trustedRoot)
            if try config.string("mediaType").hasPrefix(ClientTrustConfig.mediaTypePrefix) {
                guard let signing = try config.optionalObject("signingConfig") else {
                    throw SigningError(.configuration, "the client trust config has no signingConfig")
                }
                config = signing
            }
            let mediaType = try config.string("mediaType")
            guard mediaType == Self.mediaType else {
                throw SigningError(.configuration, "unsupported signing config media type \(mediaType)")
            }
            certificateAuthorities = try Self.services(config, "caUrls")
            oidcProviders = try Self.services(config, "oidcUrls")
            transparencyLogs = try Self.services(config, "rekorTlogUrls")
            timestampAuthorities = try Self.services(config, "tsaUrls")
            transparencyLogSelector = try Self.selector(config, "rekorTlogConfig")
            timestampSelector = try Self.selector(config, "tsaConfig")
        } catch let error as VerificationError {
            throw SigningError(.configuration, error.reason)
        } catch let error as SigningError {
            throw error
        } catch {
            throw SigningError(.configuration, "\(error)")
        }
    }

    private static func services(_ config: ProtoObject, _ name: String) throws -> [Service] {
        guard try config.value(name) != nil else { return [] }
        return try config.objects(name).map { service in
            let text = try service.string("url")
            guard let url = serviceURL(text) else { throw service.failure("url", "is not an http(s) URL: \(text)") }
            let version = try service.int64("majorApiVersion")
            guard let start = try service.object("validFor").optionalTimestamp("start") else {
                throw service.failure("validFor", "has no start")
            }
            let end = try service.object("validFor").optionalTimestamp("end")
            return Service(
                url: url,
                majorAPIVersion: Int(clamping: version),
                validity: TrustedRoot.Validity(start: start, end: end),
                operatorName: try service.optionalString("operator") ?? ""
            )
        }
    }

    private static func selector(_ config: ProtoObject, _ name: String) throws -> Selector {
        guard let object = try config.optionalObject(name) else { return .any }
        switch try object.optionalString("selector") ?? "ANY" {
        case "ALL": return .all
        case "ANY": return .any
        case "EXACT":
            let count = try object.int64("count")
            guard count > 0, count <= 16 else { throw object.failure("count", "must be between 1 and 16") }
            return .exact(Int(count))
        case let other: throw object.failure("selector", "is not ALL, ANY or EXACT: \(other)")
        }
    }

    /// The services to use at `now`: of each kind, those valid then with an API version this
    /// signer speaks, the newest version first; one per operator, as many as the selector asks.
    public func select(at now: Date, needsCertificateAuthority: Bool) throws(SigningError) -> Selection {
        func usable(_ services: [Service], _ versions: Set<Int>) -> [Service] {
            services.filter { $0.validity.contains(now) && versions.contains($0.majorAPIVersion) }
                .sorted { $0.majorAPIVersion > $1.majorAPIVersion }
        }
        func choose(_ services: [Service], _ selector: Selector, _ what: String) throws(SigningError) -> [Service] {
            var perOperator: [Service] = []
            for service in services where !perOperator.contains(where: { $0.operatorName == service.operatorName }) {
                perOperator.append(service)
            }
            switch selector {
            case .any: return Array(perOperator.prefix(1))
            case .all: return perOperator
            case .exact(let count):
                guard perOperator.count >= count else {
                    throw SigningError(.configuration, "the signing config asks for \(count) \(what), \(perOperator.count) usable")
                }
                return Array(perOperator.prefix(count))
            }
        }
        let authorities = usable(certificateAuthorities, Self.supportedCAVersions)
        if needsCertificateAuthority, authorities.isEmpty {
            throw SigningError(.configuration, "the signing config has no certificate authority usable now with API version 1")
        }
        let logs = try choose(usable(transparencyLogs, Self.supportedLogVersions), transparencyLogSelector, "transparency logs")
        guard !logs.isEmpty else {
            throw SigningError(.configuration, "the signing config has no transparency log usable now with API version 1 or 2")
        }
        let timestampers = try choose(usable(timestampAuthorities, Self.supportedTSAVersions), timestampSelector, "timestamp authorities")
        return Selection(certificateAuthority: authorities.first, transparencyLogs: logs, timestampAuthorities: timestampers)
    }
}
