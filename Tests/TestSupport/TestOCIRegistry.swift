import Crypto
import Foundation
import TUF

/// An OCI registry on loopback, in memory, with the referrers API (distribution spec 1.1):
/// blobs (monolithic uploads), manifests by tag and digest, and referrers listed from the
/// manifests' subjects. It counts the requests it answers, for tests that bound them.
public final class TestOCIRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var blobs: [String: [UInt8]] = [:]
    private var manifests: [String: (bytes: [UInt8], mediaType: String)] = [:]
    private var tags: [String: String] = [:]
    private var tagMoves: [String: String] = [:]
    private var uploads = 0
    private var answered = 0
    private var server: LoopbackHTTPServer!
    /// The user and password its token service takes, when it requires tokens.
    private let credentials: (user: String, password: String)?
    private let token = "test-token-\(UInt64.random(in: 0...UInt64.max))"

    /// Starts the registry on a free loopback port; with `credentials`, every request needs a
    /// bearer token that its `/token` service gives for those credentials (basic authentication),
    /// as Docker Hub's and most registries' token challenges work.
    public init(credentials: (user: String, password: String)? = nil) throws {
        self.credentials = credentials
        server = try LoopbackHTTPServer { [weak self] request in
            guard let self else { return .error(503, "the registry has stopped") }
            return self.lock.withLock { self.handle(request) }
        }
    }

    deinit { server.stop() }

    /// The registry's host and port, as image references name it.
    public var host: String { "127.0.0.1:\(server.port)" }

    /// Moves `repository:tag` to the manifest `digest` right after the tag is next read, as a
    /// registry under someone else's control could between a client's resolve and its fetches.
    public func moveTag(_ tag: String, in repository: String, to digest: String) {
        lock.withLock { tagMoves["\(repository):\(tag)"] = digest }
    }

    /// How many requests it has answered.
    public var requests: Int { lock.withLock { answered } }

    private static func digest(_ bytes: [UInt8]) -> String { "sha256:" + Hex.encode(SHA256.hash(data: bytes)) }

    private func handle(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        answered += 1
        let path = request.path
        if let credentials {
            if path == "/token" {
                let expected = "Basic " + Data("\(credentials.user):\(credentials.password)".utf8).base64EncodedString()
                guard request.headers["authorization"] == expected, request.query.contains("scope=repository") else {
                    return .error(401, "wrong credentials")
                }
                return .init(status: 200, body: Array("{\"token\": \"\(token)\"}".utf8))
            }
            guard request.headers["authorization"] == "Bearer \(token)" else {
                let challenge = "Bearer realm=\"http://\(host)/token\",service=\"test-registry\""
                return .init(status: 401, body: Array("{}".utf8), headers: ["WWW-Authenticate": challenge])
            }
        }
        if path == "/v2/" { return .init(status: 200, body: Array("{}".utf8)) }
        for (marker, handler) in [
            ("/manifests/", manifest), ("/blobs/uploads/", upload), ("/blobs/", blob), ("/referrers/", referrers),
        ] as [(String, (String, String, LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response)] {
            if let range = path.range(of: marker, options: .backwards), path.hasPrefix("/v2/") {
                let name = String(path[path.index(path.startIndex, offsetBy: 4)..<range.lowerBound])
                return handler(name, String(path[range.upperBound...]), request)
            }
        }
        return .error(404, "no such path")
    }

    private func manifest(_ name: String, _ reference: String, _ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        let key = "\(name)@"
        switch request.method {
        case "PUT":
            let digest = Self.digest(request.body)
            guard !reference.hasPrefix("sha256:") || reference == digest else { return .error(400, "digest mismatch") }
            manifests[key + digest] = (request.body, request.headers["content-type"] ?? "application/vnd.oci.image.manifest.v1+json")
            if !reference.hasPrefix("sha256:") { tags["\(name):\(reference)"] = digest }
            return .init(status: 201, body: [], headers: ["Docker-Content-Digest": digest, "Location": "/v2/\(name)/manifests/\(digest)"])
        case "GET", "HEAD":
            let digest = reference.hasPrefix("sha256:") ? reference : tags["\(name):\(reference)"] ?? ""
            guard let stored = manifests[key + digest] else { return .error(404, "manifest unknown") }
            if let moved = tagMoves.removeValue(forKey: "\(name):\(reference)") { tags["\(name):\(reference)"] = moved }
            return .init(
                status: 200,
                contentType: stored.mediaType,
                body: request.method == "HEAD" ? [] : stored.bytes,
                headers: ["Docker-Content-Digest": digest]
            )
        default:
            return .error(405, "method not allowed")
        }
    }

    private func upload(_ name: String, _ rest: String, _ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        switch request.method {
        case "POST":
            uploads += 1
            return .init(status: 202, body: [], headers: ["Location": "/v2/\(name)/blobs/uploads/\(uploads)"])
        case "PUT":
            let digest = request.query.split(separator: "&").first { $0.hasPrefix("digest=") }.map { String($0.dropFirst(7)) }
                .flatMap { $0.removingPercentEncoding }
            guard let digest, digest == Self.digest(request.body) else { return .error(400, "digest invalid") }
            blobs["\(name)@\(digest)"] = request.body
            return .init(status: 201, body: [], headers: ["Docker-Content-Digest": digest])
        default:
            return .error(405, "method not allowed")
        }
    }

    private func blob(_ name: String, _ digest: String, _ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        guard let bytes = blobs["\(name)@\(digest)"] else { return .error(404, "blob unknown") }
        return .init(status: 200, contentType: "application/octet-stream", body: request.method == "HEAD" ? [] : bytes)
    }

    private func referrers(_ name: String, _ digest: String, _ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        var descriptors: [JSONValue] = []
        for (key, stored) in manifests.sorted(by: { $0.key < $1.key }) where key.hasPrefix("\(name)@") {
            guard case .object(let object)? = try? JSONParser().parse(stored.bytes),
                object["subject"]?.objectValue?["digest"]?.stringValue == digest
            else { continue }
            var descriptor = JSONObject()
            descriptor["mediaType"] = .string(stored.mediaType)
            descriptor["digest"] = .string(String(key.dropFirst(name.count + 1)))
            descriptor["size"] = .integer(Int64(stored.bytes.count))
            if let type = object["artifactType"] { descriptor["artifactType"] = type }
            if let annotations = object["annotations"] { descriptor["annotations"] = annotations }
            descriptors.append(.object(descriptor))
        }
        let index: JSONValue = [
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": .array(descriptors),
        ]
        return .init(status: 200, contentType: "application/vnd.oci.image.index.v1+json", body: JSONWriter.prettyPrinted(index))
    }
}
