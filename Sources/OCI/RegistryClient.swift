import Foundation
import Plumbing
import TUF

/// A client of one OCI registry (distribution spec v2): references resolved to digests,
/// manifests and blobs fetched and checked against their digests, each answer bounded; blobs and
/// manifests pushed; referrers listed through the referrers API or its tag-schema fallback.
/// Anonymous, basic and bearer-token authentication as the `WWW-Authenticate` challenge asks.
public struct RegistryClient: Sendable {
    /// The largest answers accepted.
    public struct Limits: Sendable {
        /// A manifest or index.
        public var manifestBytes = 4 << 20
        /// A blob.
        public var blobBytes = 64 << 20
        /// The limits used unless given others.
        public init() {}
    }

    /// The registry's host (and port).
    public let registry: String
    /// Its base URL: https, or http for a registry on this machine or when plain HTTP is allowed.
    public let baseURL: URL
    /// The answers' limits.
    public var limits = Limits()
    let transport: any HTTPTransport
    let credentials: RegistryCredentials?
    let tokens = TokenCache()

    /// A client of `registry` (`docker.io` is Docker Hub's registry), with `credentials` when
    /// given; plain HTTP for a loopback registry, or for any when `allowsPlainHTTP`.
    public init(registry: String, transport: any HTTPTransport, credentials: RegistryCredentials? = nil, allowsPlainHTTP: Bool = false)
        throws(OCIError)
    {
        let host = registry == "docker.io" ? "registry-1.docker.io" : registry
        let loopback = (try? ImageReference("\(registry)/probe"))?.isLoopback ?? false
        guard let url = URL(string: "\(loopback || allowsPlainHTTP ? "http" : "https")://\(host)") else {
            throw OCIError(.reference, "\(registry) is not a registry host")
        }
        self.registry = registry
        baseURL = url
        self.transport = transport
        self.credentials = credentials
    }

    // MARK: - Reading

    /// Resolves `reference` to the digest of the manifest it names, checking the manifest against
    /// the digest the reference pins (if any) and the one the registry says.
    public func resolve(_ reference: ImageReference) async throws(OCIError) -> (digest: OCIDigest, manifest: OCIManifest) {
        let (manifest, digest) = try await fetchManifest(reference.repository, reference.manifestReference, expected: reference.digest)
        return (digest, manifest)
    }

    /// The manifest `digest` of `repository`, checked against it.
    public func manifest(_ repository: String, digest: OCIDigest) async throws(OCIError) -> OCIManifest {
        try await fetchManifest(repository, digest.description, expected: digest).manifest
    }

    func fetchManifest(_ repository: String, _ reference: String, expected: OCIDigest?) async throws(OCIError) -> (
        manifest: OCIManifest, digest: OCIDigest
    ) {
        let url = try url("v2/\(repository)/manifests/\(reference)")
        let response = try await send(
            HTTPRequest(url: url, headers: ["Accept": OCIManifest.acceptedMediaTypes.joined(separator: ", ")]),
            repository: repository,
            push: false,
            limit: limits.manifestBytes
        )
        try check(response, url: url, what: "manifest \(reference)")
        let digest = OCIDigest(of: response.body)
        if let expected { try expected.check(response.body, at: url.absoluteString) }
        if let said = response.headers["docker-content-digest"], said != digest.description {
            throw OCIError(.malformed, "the registry says the manifest is \(said), but its content is \(digest)", at: url.absoluteString)
        }
        let served = response.headers["content-type"].map { String($0.prefix { $0 != ";" }) }
        return (try OCIManifest(bytes: response.body, mediaType: served, at: url.absoluteString), digest)
    }

    /// The blob `digest` of `repository`, checked against it and against `size` when given.
    public func blob(_ repository: String, digest: OCIDigest, size: Int64? = nil) async throws(OCIError) -> [UInt8] {
        let url = try url("v2/\(repository)/blobs/\(digest)")
        if let size, size > Int64(limits.blobBytes) {
            throw OCIError(
                .malformed,
                "the blob's size \(size) is more than the \(limits.blobBytes) bytes accepted",
                at: url.absoluteString
            )
        }
        let response = try await send(HTTPRequest(url: url), repository: repository, push: false, limit: limits.blobBytes)
        try check(response, url: url, what: "blob \(digest)")
        try digest.check(response.body, at: url.absoluteString)
        if let size, Int64(response.body.count) != size {
            throw OCIError(.malformed, "the blob holds \(response.body.count) bytes, not \(size)", at: url.absoluteString)
        }
        return response.body
    }

    /// The manifests referring to `digest` in `repository` (of `artifactType` when given): the
    /// referrers API's index, or when the registry has no such API (404), the index tagged
    /// `sha256-HEX` that the referrers tag schema keeps instead.
    public func referrers(_ repository: String, of digest: OCIDigest, artifactType: String?) async throws(OCIError) -> [OCIDescriptor] {
        var path = "v2/\(repository)/referrers/\(digest)"
        if let artifactType, let encoded = artifactType.addingPercentEncoding(withAllowedCharacters: .alphanumerics) {
            path += "?artifactType=\(encoded)"
        }
        let url = try url(path)
        let response = try await send(
            HTTPRequest(url: url, headers: ["Accept": OCIManifest.imageIndex]),
            repository: repository,
            push: false,
            limit: limits.manifestBytes
        )
        let index: OCIManifest
        if response.status == 404 {
            do {
                index = try await fetchManifest(repository, Self.fallbackTag(digest), expected: nil).manifest
            } catch let error where error.kind == .notFound {
                return []
            }
        } else {
            try check(response, url: url, what: "the referrers of \(digest)")
            index = try OCIManifest(bytes: response.body, mediaType: OCIManifest.imageIndex, at: url.absoluteString)
        }
        guard index.isIndex else { throw OCIError(.malformed, "the referrers of \(digest) are not an index", at: url.absoluteString) }
        return index.entries.filter { artifactType == nil || $0.artifactType == artifactType }
    }

    /// Whether the registry answers the referrers API for `repository` (a 404 says it does not).
    public func hasReferrersAPI(_ repository: String, subject: OCIDigest) async throws(OCIError) -> Bool {
        let url = try url("v2/\(repository)/referrers/\(subject)")
        let response = try await send(
            HTTPRequest(url: url, headers: ["Accept": OCIManifest.imageIndex]),
            repository: repository,
            push: false,
            limit: limits.manifestBytes
        )
        if response.status == 404 { return false }
        try check(response, url: url, what: "the referrers of \(subject)")
        return true
    }

    /// The tag the referrers tag schema keeps `digest`'s referrers under.
    public static func fallbackTag(_ digest: OCIDigest) -> String { "sha256-\(digest.hex)" }

    // MARK: - Writing

    /// Uploads `content` as a blob of `repository` (monolithically), unless the registry has it.
    public func pushBlob(_ repository: String, _ content: [UInt8]) async throws(OCIError) -> OCIDigest {
        let digest = OCIDigest(of: content)
        let exists = try url("v2/\(repository)/blobs/\(digest)")
        let head = try await send(HTTPRequest(url: exists, method: "HEAD"), repository: repository, push: true, limit: 0)
        if head.isSuccess { return digest }
        let start = try url("v2/\(repository)/blobs/uploads/")
        let started = try await send(HTTPRequest(url: start, method: "POST", body: []), repository: repository, push: true, limit: 1 << 16)
        try check(started, url: start, what: "the upload")
        guard let location = started.headers["location"], var components = URLComponents(string: location) else {
            throw OCIError(.malformed, "the registry started an upload without a Location", at: start.absoluteString)
        }
        if components.host == nil {
            components.scheme = baseURL.scheme
            components.host = baseURL.host
            components.port = baseURL.port
        }
        guard components.host == baseURL.host, components.port == baseURL.port else {
            throw OCIError(.malformed, "the registry sent the upload to another host, \(components.host ?? "")", at: start.absoluteString)
        }
        components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "digest", value: digest.description)]
        guard let upload = components.url else { throw OCIError(.malformed, "the upload Location is not a URL", at: location) }
        let finished = try await send(
            HTTPRequest(url: upload, method: "PUT", headers: ["Content-Type": "application/octet-stream"], body: content),
            repository: repository,
            push: true,
            limit: 1 << 16
        )
        try check(finished, url: upload, what: "the upload of \(digest)")
        return digest
    }

    /// Puts `manifest` (of `mediaType`) in `repository` under `reference`, a tag or its digest.
    public func pushManifest(_ repository: String, _ manifest: [UInt8], mediaType: String, reference: String? = nil) async throws(OCIError)
        -> OCIDigest
    {
        let digest = OCIDigest(of: manifest)
        let url = try url("v2/\(repository)/manifests/\(reference ?? digest.description)")
        let response = try await send(
            HTTPRequest(url: url, method: "PUT", headers: ["Content-Type": mediaType], body: manifest),
            repository: repository,
            push: true,
            limit: 1 << 16
        )
        try check(response, url: url, what: "the manifest")
        return digest
    }

    /// Adds `descriptor` to the referrers of `subject` kept under the tag schema's fallback tag,
    /// for registries without the referrers API.
    public func addFallbackReferrer(_ repository: String, subject: OCIDigest, _ descriptor: OCIDescriptor) async throws(OCIError) {
        var entries: [OCIDescriptor] = []
        do {
            entries = try await fetchManifest(repository, Self.fallbackTag(subject), expected: nil).manifest.entries
        } catch let error where error.kind == .notFound {
            entries = []
        }
        guard !entries.contains(where: { $0.digest == descriptor.digest }) else { return }
        _ = try await pushManifest(
            repository,
            OCIManifest.imageIndexBytes(entries + [descriptor]),
            mediaType: OCIManifest.imageIndex,
            reference: Self.fallbackTag(subject)
        )
    }

    // MARK: - HTTP and authentication

    func url(_ path: String) throws(OCIError) -> URL {
        guard let url = URL(string: path, relativeTo: baseURL)?.absoluteURL else {
            throw OCIError(.reference, "cannot make a URL of \(path)", at: registry)
        }
        return url
    }

    /// Maps a registry's refusal to its kind.
    func check(_ response: HTTPResponse, url: URL, what: String) throws(OCIError) {
        guard !response.isSuccess else { return }
        let location = url.absoluteString
        switch response.status {
        case 404: throw OCIError(.notFound, "the registry has no \(what) (HTTP 404)", at: location)
        case 401, 403: throw OCIError(.unauthorized, "the registry refused access to \(what) (HTTP \(response.status))", at: location)
        case 400..<500: throw OCIError(.malformed, "the registry refused \(what) (HTTP \(response.status))", at: location)
        default: throw OCIError(.unreachable, "the registry answered HTTP \(response.status) for \(what)", at: location)
        }
    }

    /// Sends `request` with the authorization held for `repository`; on a challenge, gets it
    /// (a bearer token from the realm, or basic credentials) and sends once more.
    func send(_ request: HTTPRequest, repository: String, push: Bool, limit: Int) async throws(OCIError) -> HTTPResponse {
        let scope = "repository:\(repository):\(push ? "pull,push" : "pull")"
        var request = request
        if let authorization = await tokens.authorization(for: scope) { request.headers["Authorization"] = authorization }
        var response = try await perform(request, limit: limit)
        guard response.status == 401, let challenge = response.headers["www-authenticate"] else { return response }
        let authorization = try await authorize(challenge, scope: scope, location: request.url.absoluteString)
        await tokens.store(authorization, for: scope)
        request.headers["Authorization"] = authorization
        response = try await perform(request, limit: limit)
        return response
    }

    func perform(_ request: HTTPRequest, limit: Int) async throws(OCIError) -> HTTPResponse {
        do {
            return try await transport.send(request, maximumBytes: max(limit, 1 << 12))
        } catch {
            switch error {
            // The error names the address it concerns; the OCI error is placed there instead.
            case .tooLarge: throw OCIError(.malformed, error.reason, at: error.url)
            default: throw OCIError(.unreachable, error.reason, at: error.url)
            }
        }
    }

    /// The `Authorization` value a `WWW-Authenticate` challenge asks for.
    func authorize(_ challenge: String, scope: String, location: String) async throws(OCIError) -> String {
        let (scheme, parameters) = Self.parseChallenge(challenge)
        switch scheme.lowercased() {
        case "basic":
            guard let credentials else {
                throw OCIError(.unauthorized, "the registry asks for credentials and none are configured", at: location)
            }
            return credentials.basicAuthorization
        case "bearer":
            guard let realm = parameters["realm"], var components = URLComponents(string: realm),
                let realmScheme = components.scheme?.lowercased(),
                realmScheme == "https" || (realmScheme == "http" && baseURL.scheme == "http")
            else { throw OCIError(.unauthorized, "the registry's token realm is not an https URL", at: location) }
            var query = components.queryItems ?? []
            if let service = parameters["service"] { query.append(URLQueryItem(name: "service", value: service)) }
            query.append(URLQueryItem(name: "scope", value: parameters["scope"] ?? scope))
            components.queryItems = query
            guard let url = components.url else { throw OCIError(.unauthorized, "the token realm is not a URL", at: location) }
            var headers: [String: String] = [:]
            if let credentials { headers["Authorization"] = credentials.basicAuthorization }
            let response = try await perform(HTTPRequest(url: url, headers: headers), limit: 1 << 16)
            try check(response, url: url, what: "a token")
            guard case .object(let object)? = try? JSONParser().parse(response.body),
                let token = object["token"]?.stringValue ?? object["access_token"]?.stringValue, !token.isEmpty,
                token.utf8.count <= 1 << 15,
                token.allSatisfy({ $0.isASCII && !$0.isWhitespace })
            else { throw OCIError(.unauthorized, "the token service gave no token", at: url.absoluteString) }
            return "Bearer \(token)"
        default:
            throw OCIError(.unauthorized, "the registry asks for \(scheme) authentication, which is not supported", at: location)
        }
    }

    /// The scheme and parameters of a challenge: `Bearer realm="…",service="…",scope="…"`.
    static func parseChallenge(_ text: String) -> (scheme: String, parameters: [String: String]) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let scheme = String(trimmed.prefix { $0 != " " })
        var parameters: [String: String] = [:]
        var rest = Substring(trimmed.dropFirst(scheme.count))
        while let equals = rest.firstIndex(of: "=") {
            let name = rest[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: " ,")).lowercased()
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let character = rest.first, character != "\"" {
                    if character == "\\" { rest = rest.dropFirst() }
                    if let next = rest.first { value.append(next) }
                    rest = rest.dropFirst()
                }
                rest = rest.dropFirst()
            } else {
                value = String(rest.prefix { $0 != "," })
                rest = rest.dropFirst(value.count)
            }
            parameters[name] = value
        }
        return (scheme, parameters)
    }
}

/// The authorizations a client holds, by scope.
actor TokenCache {
    var values: [String: String] = [:]

    func authorization(for scope: String) -> String? { values[scope] }

    func store(_ authorization: String, for scope: String) {
        if values.count > 64 { values.removeAll() }
        values[scope] = authorization
    }
}
