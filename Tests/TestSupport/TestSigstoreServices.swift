import Crypto
import Foundation
import Sigstore
import SwiftASN1
import TUF
import TransparencyLog
import X509

/// Sigstore's services on loopback for tests, over a ``TestInstance``, each on a port of its own
/// with its public API's paths at the root: an OIDC issuer that signs JWTs (with discovery, JWKS
/// and a GitHub-Actions-style token endpoint), a Fulcio-compatible CA (`POST
/// /api/v2/signingCert`), a Rekor v1 log (`POST /api/v1/log/entries` and the read API: log info,
/// consistency proofs, entries by index, UUID and in batches, the search index; ECDSA P-256), a Rekor v2
/// log (`POST /api/v2/log/entries`, its tiles under `api/v2/`; Ed25519) and an RFC 3161 timestamp authority (`POST
/// /api/v1/timestamp`). They speak the public services' request and response shapes, check
/// what real ones check (token signature, audience and expiry; proof of possession; entry
/// signatures), and can be told to misbehave in one way at a time.
public final class TestSigstoreServices: @unchecked Sendable {
    /// One way for a service to misbehave.
    public enum Fault: Sendable, Equatable {
        /// The CA answers with an HTTP error.
        case caHTTPError
        /// The CA issues from a CA the trusted root does not name.
        case caUntrustedChain
        /// The CA embeds an SCT from a CT log the trusted root does not name.
        case caWrongSCT
        /// The CA certifies another key than the one sent.
        case caWrongKey
        /// The CA certifies the key for another identity than the token's.
        case caOtherIdentity
        /// The CA names another OIDC issuer than the token's.
        case caOtherIssuer
        /// The CA issues a CA certificate as the signing certificate.
        case caAuthorityLeaf
        /// The log answers with an HTTP error.
        case logHTTPError
        /// The log's inclusion proof does not lead to its root hash.
        case logBadInclusionProof
        /// The log's signed entry timestamp is by another key.
        case logBadSET
        /// The Rekor v1 log serves a tree whose first entry was rewritten: a fork of the log it
        /// served before.
        case logRewritten
        /// The Rekor v1 log signs its tree heads with a key the trusted root does not name.
        case logUntrustedHead
        /// The timestamp authority answers with an HTTP error.
        case tsaHTTPError
        /// The timestamp authority does not repeat the nonce.
        case tsaWrongNonce
    }

    /// The instance whose keys the services use.
    public let instance: TestInstance
    /// The OIDC issuer's signing key.
    public let oidcKey = P256.Signing.PrivateKey()
    /// The servers, one per service.
    private var servers: [Service: LoopbackHTTPServer] = [:]

    /// The services, each on its own server.
    enum Service: CaseIterable {
        case oidc, ca, log, logV2, tsa
    }
    /// The bearer GitHub-Actions-style token requests must present.
    public let actionsRequestToken = "test-actions-request-token"

    /// How many entries the Rekor v1 log's earlier, inactive shards hold: the log index of the
    /// active shard's first entry.
    public var logShardOffset: Int64 {
        get { lock.withLock { shardOffset } }
        set { lock.withLock { shardOffset = newValue } }
    }
    private var shardOffset: Int64 = 0
    /// When the Rekor v1 log took each entry, by tree position.
    private var integratedTimes: [Int64: Int64] = [:]

    /// What Fulcio writes into a CI workflow's certificate from its token's claims.
    public struct WorkflowClaims: Sendable {
        /// The source repository URI (extension 12).
        public var repository: String
        /// The ref (14).
        public var ref: String
        /// The commit (13).
        public var commit: String
        /// The build signer URI (9).
        public var builder: String
        /// The build config URI (18), if written.
        public var buildConfiguration: String?
        /// The issuer the certificate names in place of the token's (the loopback OIDC
        /// provider's), as a CI provider's certificates name theirs; the token's when nil.
        public var issuer: String?

        /// Claims with these values.
        public init(
            repository: String,
            ref: String,
            commit: String,
            builder: String,
            buildConfiguration: String? = nil,
            issuer: String? = nil
        ) {
            self.repository = repository
            self.ref = ref
            self.commit = commit
            self.builder = builder
            self.buildConfiguration = buildConfiguration
            self.issuer = issuer
        }
    }

    /// The CI workflow claims the CA writes into the certificates it issues (build signer,
    /// source repository, commit, ref, build configuration), as Fulcio does for a workflow's
    /// token; none when nil.
    public var workflowClaims: WorkflowClaims? {
        get { lock.withLock { workflow } }
        set { lock.withLock { workflow = newValue } }
    }
    private var workflow: WorkflowClaims?

    /// The Rekor v2 log's key.
    public let logV2Key = Curve25519.Signing.PrivateKey()
    /// The Rekor v2 log's entries.
    public private(set) var logV2Leaves: [[UInt8]] = []
    /// The Rekor v2 log's checkpoint origin (and signed-note name).
    public let logV2Origin = "rekor2.test.example"

    private let lock = NSLock()
    private var faults: Set<String> = []
    private let rogueKey = P384.Signing.PrivateKey()

    /// Starts the services on a free loopback port.
    public init(instance: TestInstance? = nil) throws {
        self.instance = try instance ?? TestInstance()
        for service in Service.allCases {
            servers[service] = try LoopbackHTTPServer { [weak self] request in
                guard let self else { return .error(503, "the service has stopped") }
                return self.lock.withLock { self.handle(request, by: service) }
            }
        }
    }

    // The servers' handlers reach back here weakly, and answer 503 once this is gone; stop them too.
    deinit {
        for server in servers.values { server.stop() }
    }

    /// The OIDC issuer's URL (the `iss` of its tokens).
    public var issuerURL: String { servers[.oidc]!.baseURL.absoluteString }
    /// The CA's base URL.
    public var caURL: URL { servers[.ca]!.baseURL }
    /// The Rekor v1 log's base URL.
    public var logURL: URL { servers[.log]!.baseURL }
    /// The Rekor v2 log's base URL.
    public var logV2URL: URL { servers[.logV2]!.baseURL }

    /// The Rekor v2 log's id: its signed-note key id, SHA-256 of name, newline, 0x01 and the key.
    public var logV2ID: [UInt8] {
        Array(SHA256.hash(data: Array(logV2Origin.utf8) + [0x0a, 0x01] + Array(logV2Key.publicKey.rawRepresentation)))
    }
    /// The timestamp authority's request URL.
    public var tsaURL: URL { servers[.tsa]!.baseURL.appendingPathComponent("api/v1/timestamp") }
    /// The GitHub-Actions-style token request URL.
    public var actionsTokenURL: URL { servers[.oidc]!.baseURL.appendingPathComponent("actions-token") }

    /// Makes the services misbehave in `fault` (until cleared).
    public func inject(_ fault: Fault) { lock.withLock { _ = faults.insert("\(fault)") } }
    /// Makes the services behave again.
    public func clearFaults() { lock.withLock { faults.removeAll() } }
    private func has(_ fault: Fault) -> Bool { faults.contains("\(fault)") }

    /// The trusted root naming the services' CA, both logs and the TSA.
    public func trustedRoot() -> [UInt8] {
        guard case .object(var root)? = try? JSONParser().parse(instance.trustedRoot()), case .array(var logs)? = root["tlogs"] else {
            return instance.trustedRoot()
        }
        if case .object(var first)? = logs.first {
            first["baseUrl"] = .string(logURL.absoluteString)
            logs[0] = .object(first)
        }
        let spki = TestInstance.spki(.init(logV2Key.publicKey))
        logs.append([
            "baseUrl": .string(logV2URL.absoluteString), "hashAlgorithm": "SHA2_256",
            "publicKey": [
                "rawBytes": .string(Data(spki).base64EncodedString()), "keyDetails": "PKIX_ED25519",
                "validFor": ["start": .string(MetadataDate.format(instance.epoch))],
            ],
            "logId": ["keyId": .string(Data(logV2ID).base64EncodedString())],
        ])
        root["tlogs"] = .array(logs)
        return JSONWriter.prettyPrinted(.object(root))
    }

    /// A signing config pointing at the services (with the TSA when `withTimestampAuthority`;
    /// with the Rekor v2 log instead of the v1 log when `logVersion` is 2).
    public func signingConfig(withTimestampAuthority: Bool = true, logVersion: Int = 1) -> [UInt8] {
        let start = JSONValue.string(MetadataDate.format(instance.epoch))
        func service(_ url: URL, version: Int64 = 1) -> JSONValue {
            ["url": .string(url.absoluteString), "majorApiVersion": .integer(version), "validFor": ["start": start], "operator": "test"]
        }
        var config: JSONValue = [
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": [service(caURL)],
            "oidcUrls": [service(URL(string: issuerURL)!)],
            "rekorTlogUrls": [logVersion == 2 ? service(logV2URL, version: 2) : service(logURL)],
            "tsaUrls": withTimestampAuthority ? [service(tsaURL)] : [],
            "rekorTlogConfig": ["selector": "ANY"],
        ]
        config = config.setting("tsaConfig", ["selector": "ANY"])
        return JSONWriter.prettyPrinted(config)
    }

    // MARK: - OIDC

    /// An identity token for `subject` (and `email`, if given), for `audience`, expiring at `expiry`,
    /// from `issuer` (by default the OIDC stand-in's URL).
    public func identityToken(
        subject: String = TestInstance.identity,
        email: String? = nil,
        issuer: String? = nil,
        audience: String = "sigstore",
        expiry: Date = Date().addingTimeInterval(300),
        signedBy key: P256.Signing.PrivateKey? = nil
    ) throws -> String {
        let header: JSONValue = ["alg": "ES256", "typ": "JWT", "kid": "test"]
        var claims: JSONValue = [
            "iss": .string(issuer ?? issuerURL), "sub": .string(subject), "aud": .string(audience),
            "iat": .integer(Int64(Date().timeIntervalSince1970) - 10), "exp": .integer(Int64(expiry.timeIntervalSince1970)),
        ]
        if let email { claims = claims.setting("email", .string(email)) }
        return try Self.jwt(header: header, claims: claims, signedBy: key ?? oidcKey)
    }

    /// A compact JWT of `header` and `claims`, signed ES256 by `key`.
    static func jwt(header: JSONValue, claims: JSONValue, signedBy key: P256.Signing.PrivateKey) throws -> String {
        let signingInput = base64URL(try RFC8785.encode(header)) + "." + base64URL(try RFC8785.encode(claims))
        let signature = try key.signature(for: Array(signingInput.utf8))
        return signingInput + "." + base64URL(Array(signature.rawRepresentation))
    }

    /// Unpadded base64url, as JWTs and JWKs write bytes.
    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private func oidc(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        switch request.path {
        case "/.well-known/openid-configuration":
            let document: JSONValue = ["issuer": .string(issuerURL), "jwks_uri": .string(issuerURL + "/jwks")]
            return .init(status: 200, body: JSONWriter.prettyPrinted(document))
        case "/jwks":
            let point = Array(oidcKey.publicKey.x963Representation)
            let key: JSONValue = [
                "kty": "EC", "crv": "P-256", "kid": "test", "x": .string(Self.base64URL(Array(point[1..<33]))),
                "y": .string(Self.base64URL(Array(point[33..<65]))),
            ]
            return .init(status: 200, body: JSONWriter.prettyPrinted(["keys": [key]]))
        case "/actions-token":
            guard request.headers["authorization"] == "Bearer \(actionsRequestToken)" else { return .error(401, "bad request token") }
            let audience = request.query.split(separator: "&").first { $0.hasPrefix("audience=") }.map { String($0.dropFirst(9)) }
            guard let token = try? identityToken(audience: audience ?? "") else { return .error(500, "cannot make a token") }
            return .init(status: 200, body: JSONWriter.prettyPrinted(["value": .string(token)]))
        default:
            return .error(404, "no such path")
        }
    }

    /// The claims of `token` if this issuer signed it, for the `sigstore` audience, unexpired.
    private func verifiedClaims(_ token: String) -> Result<JSONObject, Refusal> {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { return .failure(Refusal(reason: "the token is not a JWT")) }
        // The project's decoder takes base64url without padding.
        let decode = Base64.decode as (String) -> [UInt8]?
        guard let signature = decode(parts[2]), let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature),
            oidcKey.publicKey.isValidSignature(ecdsa, for: Array((parts[0] + "." + parts[1]).utf8))
        else { return .failure(Refusal(reason: "the token's signature does not verify")) }
        guard let payload = decode(parts[1]), case .object(let claims)? = try? JSONParser().parse(payload) else {
            return .failure(Refusal(reason: "the token's payload is not JSON"))
        }
        // It stands in for the workflow's issuer too, whose tokens it signs with the same key.
        guard let issuer = claims["iss"]?.stringValue, issuer == issuerURL || issuer == workflow?.issuer else {
            return .failure(Refusal(reason: "unknown issuer"))
        }
        guard claims["aud"]?.stringValue == "sigstore" else {
            return .failure(Refusal(reason: "the token is not for the sigstore audience"))
        }
        guard case .integer(let expiry)? = claims["exp"], Double(expiry) > Date().timeIntervalSince1970 else {
            return .failure(Refusal(reason: "the token has expired"))
        }
        return .success(claims)
    }

    // MARK: - Fulcio

    private func fulcio(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        guard request.method == "POST", request.path == "/api/v2/signingCert" else { return .error(404, "no such path") }
        if has(.caHTTPError) { return .error(503, "the CA is down for maintenance") }
        // Fulcio takes the token in the body or as a bearer token, and the key either with a
        // proof of possession (a signature over the token's identity) or as a signed CSR.
        guard case .object(let body)? = try? JSONParser().parse(request.body) else { return .error(400, "malformed signingCert request") }
        let bearer = request.headers["authorization"].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        guard let token = body["credentials"]?.objectValue?["oidcIdentityToken"]?.stringValue ?? bearer else {
            return .error(401, "no identity token")
        }
        let claims: JSONObject
        switch verifiedClaims(token) {
        case .success(let verified): claims = verified
        case .failure(let refusal): return .error(401, refusal.reason)
        }
        let identity = claims["email"]?.stringValue ?? claims["sub"]?.stringValue ?? ""
        // Fulcio certifies ECDSA P-256 and P-384 keys here (the two curves keyless signers use).
        func certifiable(_ key: VerificationKey) -> Certificate.PublicKey? {
            switch key {
            case .p256(let key): return Certificate.PublicKey(key)
            case .p384(let key): return Certificate.PublicKey(key)
            default: return nil
            }
        }
        let key: Certificate.PublicKey
        if let keyRequest = body["publicKeyRequest"]?.objectValue {
            guard let pem = keyRequest["publicKey"]?.objectValue?["content"]?.stringValue,
                let proof = keyRequest["proofOfPossession"]?.stringValue.flatMap({ Data(base64Encoded: $0) })
            else { return .error(400, "malformed publicKeyRequest") }
            guard let parsed = try? VerificationKey(pem: pem), let certified = certifiable(parsed) else {
                return .error(400, "only P-256 and P-384 keys are supported")
            }
            guard parsed.isValidSignature(Array(proof), for: Array(identity.utf8)) else {
                return .error(400, "the proof of possession does not verify")
            }
            key = certified
        } else if let encoded = body["certificateSigningRequest"]?.stringValue,
            let pemBytes = Data(base64Encoded: encoded), let pem = String(data: pemBytes, encoding: .utf8)
        {
            guard let csr = try? CertificateSigningRequest(pemEncoded: pem), csr.publicKey.isValidSignature(csr.signature, for: csr) else {
                return .error(400, "the certificate signing request does not verify")
            }
            guard let parsed = try? VerificationKey(certificateKey: csr.publicKey), let certified = certifiable(parsed) else {
                return .error(400, "only P-256 and P-384 keys are supported")
            }
            key = certified
        } else {
            return .error(400, "malformed signingCert request: no publicKeyRequest or certificateSigningRequest")
        }
        do {
            let certifiedKey = has(.caWrongKey) ? Certificate.PublicKey(P256.Signing.PrivateKey().publicKey) : key
            let leaf = try instance.issue(
                to: certifiedKey,
                identity: has(.caOtherIdentity) ? "mallory@example.com" : identity,
                issuer: has(.caOtherIssuer) ? "https://issuer.mallory.example" : (workflow?.issuer ?? issuerURL),
                at: Date().addingTimeInterval(-1),
                signedBy: has(.caUntrustedChain) ? rogueKey : nil,
                sctKey: has(.caWrongSCT) ? P256.Signing.PrivateKey() : nil,
                editExtensions: { [authority = has(.caAuthorityLeaf), claims = workflow] extensions in
                    var edited = extensions
                    if authority {
                        edited.append(
                            try Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true)
                        )
                    }
                    if let claims {
                        edited += [
                            try TestInstance.fulcioExtension(9, claims.builder), try TestInstance.fulcioExtension(12, claims.repository),
                            try TestInstance.fulcioExtension(13, claims.commit), try TestInstance.fulcioExtension(14, claims.ref),
                        ]
                        if let configuration = claims.buildConfiguration {
                            edited.append(try TestInstance.fulcioExtension(18, configuration))
                        }
                    }
                    return edited
                }
            )
            let chain = [leaf, instance.intermediateCertificate, instance.rootCertificate].map {
                JSONValue.string(TestInstance.pem("CERTIFICATE", TestInstance.der($0)))
            }
            let answer: JSONValue = ["signedCertificateEmbeddedSct": ["chain": ["certificates": .array(chain)]]]
            return .init(status: 201, body: JSONWriter.prettyPrinted(answer))
        } catch {
            return .error(500, "cannot issue: \(error)")
        }
    }

    // MARK: - Rekor

    private func rekor(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        if has(.logHTTPError) { return .error(500, "the log is unavailable") }
        switch (request.method, request.path) {
        case ("POST", "/api/v1/log/entries"): return rekorAdd(request)
        case ("GET", "/api/v1/log"): return rekorInfo()
        case ("GET", "/api/v1/log/proof"): return rekorProof(request)
        case ("GET", "/api/v1/log/entries"):
            let query = request.queryFields
            guard let text = query["logIndex"], let index = Int64(text) else { return .error(400, "logIndex is required") }
            return rekorAnswer([index &- shardOffset])
        case ("POST", "/api/v1/log/entries/retrieve"):
            guard case .object(let body)? = try? JSONParser().parse(request.body), case .array(let indexes)? = body["logIndexes"],
                indexes.count <= 10
            else { return .error(422, "logIndexes: up to 10 indexes") }
            return rekorAnswer(indexes.compactMap(\.integerValue).map { $0 &- shardOffset }, asList: true)
        case ("POST", "/api/v1/index/retrieve"): return rekorSearch(request)
        case ("GET", _) where request.path.hasPrefix("/api/v1/log/entries/"):
            let uuid = String(request.path.dropFirst("/api/v1/log/entries/".count)).lowercased()
            let leaves = servedLeaves()
            guard let position = leaves.firstIndex(where: { uuid.hasSuffix(Hex.encode(MerkleInclusion.leafHash($0))) }) else {
                return .error(404, "no such entry")
            }
            return rekorAnswer([Int64(position)])
        default:
            return .error(404, "no such path")
        }
    }

    /// The leaves the Rekor v1 log serves: its entries, the first rewritten under ``Fault/logRewritten``.
    private func servedLeaves() -> [[UInt8]] {
        var leaves = instance.leaves
        if has(.logRewritten), !leaves.isEmpty { leaves[0] = Array("rewritten".utf8) }
        return leaves
    }

    /// The signed tree head of the served tree.
    private func rekorHead(_ tree: TestMerkleTree) throws -> String {
        try instance.checkpoint(size: tree.size, rootHash: tree.rootHash, key: has(.logUntrustedHead) ? P256.Signing.PrivateKey() : nil)
    }

    private func rekorInfo() -> LoopbackHTTPServer.Response {
        let leaves = servedLeaves()
        guard !leaves.isEmpty else { return .error(500, "the test log is empty") }
        let tree = TestMerkleTree(leaves)
        guard let head = try? rekorHead(tree) else { return .error(500, "cannot sign") }
        var info: JSONValue = [
            "rootHash": .string(Hex.encode(tree.rootHash)), "signedTreeHead": .string(head), "treeSize": .integer(Int64(tree.size)),
            "treeID": "1",
        ]
        if shardOffset > 0, case .object(var object) = info {
            object["inactiveShards"] = [["treeSize": .integer(shardOffset), "treeID": "0"]]
            info = .object(object)
        }
        return .init(status: 200, body: JSONWriter.prettyPrinted(info))
    }

    private func rekorProof(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        let query = request.queryFields
        let leaves = servedLeaves()
        guard let first = query["firstSize"].flatMap(Int.init), let last = query["lastSize"].flatMap(Int.init), first >= 1, first <= last,
            last <= leaves.count
        else { return .error(400, "firstSize and lastSize must be sizes of the tree") }
        let tree = TestMerkleTree(Array(leaves.prefix(last)))
        let proof: JSONValue = [
            "rootHash": .string(Hex.encode(tree.rootHash)),
            "hashes": .array(tree.consistencyProof(from: first).map { .string(Hex.encode($0)) }),
        ]
        return .init(status: 200, body: JSONWriter.prettyPrinted(proof))
    }

    /// The entries at tree positions `positions`, each proved in the current tree: one object
    /// keyed by UUID, or a list of them.
    private func rekorAnswer(_ positions: [Int64], asList: Bool = false) -> LoopbackHTTPServer.Response {
        let leaves = servedLeaves()
        guard !positions.isEmpty, positions.allSatisfy({ $0 >= 0 && $0 < leaves.count }) else { return .error(404, "no such entry") }
        let tree = TestMerkleTree(leaves)
        do {
            let entries = try positions.map { position in
                try JSONValue.object(rekorEntry(leaves[Int(position)], position: position, tree: tree))
            }
            return .init(status: 200, body: JSONWriter.prettyPrinted(asList ? .array(entries) : entries[0]))
        } catch {
            return .error(500, "cannot answer: \(error)")
        }
    }

    /// One entry as the entries API gives it, keyed by its UUID (tree ID and leaf hash).
    private func rekorEntry(_ body: [UInt8], position: Int64, tree: TestMerkleTree) throws -> JSONObject {
        let integrated = integratedTimes[position] ?? Int64(instance.epoch.timeIntervalSince1970)
        let logIndex = position &+ shardOffset
        var root = tree.rootHash
        var set = try instance.signedEntryTimestamp(body: body, integratedTime: integrated, index: logIndex)
        let checkpoint = try rekorHead(tree)
        if has(.logBadInclusionProof) { root[0] ^= 1 }
        if has(.logBadSET) {
            set = Array(try P256.Signing.PrivateKey().signature(for: Array("not the log".utf8)).derRepresentation)
        }
        let entry: JSONValue = [
            "body": .string(Data(body).base64EncodedString()),
            "integratedTime": .integer(integrated),
            "logID": .string(Hex.encode(instance.logID)),
            "logIndex": .integer(logIndex),
            "verification": [
                "inclusionProof": [
                    "checkpoint": .string(checkpoint),
                    "hashes": .array(tree.auditPath(Int(position)).map { .string(Hex.encode($0)) }),
                    "logIndex": .integer(position),
                    "rootHash": .string(Hex.encode(root)),
                    "treeSize": .integer(Int64(tree.size)),
                ],
                "signedEntryTimestamp": .string(Data(set).base64EncodedString()),
            ],
        ]
        let uuid = "0000000000000001" + Hex.encode(MerkleInclusion.leafHash(body))
        return try JSONObject(members: [(uuid, entry)])
    }

    /// The search index: entries whose artifact digest, signer email or public key is the one asked for.
    private func rekorSearch(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        guard case .object(let query)? = try? JSONParser().parse(request.body) else { return .error(400, "malformed search") }
        let hash = query["hash"]?.stringValue.map { $0.lowercased() }
        let email = query["email"]?.stringValue
        let keyDER = query["publicKey"]?.objectValue?["content"]?.stringValue.flatMap { Data(base64Encoded: $0) }
            .flatMap { String(data: $0, encoding: .utf8) }.flatMap { Self.der(ofPEM: $0) }
        guard hash != nil || email != nil || keyDER != nil else { return .error(422, "the search needs a hash, email or public key") }
        var uuids: [JSONValue] = []
        for body in servedLeaves() {
            guard let content = try? LogEntryContent(body: body) else { continue }
            let digestMatches = hash.map { $0 == "sha256:" + Hex.encode(content.digest?.value ?? []) } ?? false
            let signerMatches = content.signers.contains { signer in
                if let keyDER, signer.der == keyDER { return true }
                guard case .certificate(let der) = signer, let certificate = try? Certificate(derEncoded: der) else { return false }
                if let keyDER, TestInstance.spki(certificate.publicKey) == keyDER { return true }
                let emails = (try? certificate.extensions.subjectAlternativeNames)??.compactMap { name -> String? in
                    if case .rfc822Name(let address) = name { return address }
                    return nil
                }
                return email.map { (emails ?? []).contains($0) } ?? false
            }
            if digestMatches || signerMatches {
                uuids.append(.string("0000000000000001" + Hex.encode(MerkleInclusion.leafHash(body))))
            }
        }
        return .init(status: 200, body: JSONWriter.prettyPrinted(.array(uuids)))
    }

    private static func der(ofPEM pem: String) -> [UInt8]? {
        if let certificate = try? Certificate(pemEncoded: pem) { return TestInstance.der(certificate) }
        return (try? VerificationKey(pem: pem)).map { _ in
            let base64 = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            return Data(base64Encoded: base64).map(Array.init) ?? []
        }
    }

    private func rekorAdd(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        guard case .object(let proposed)? = try? JSONParser().parse(request.body), let kind = proposed["kind"]?.stringValue,
            proposed["apiVersion"]?.stringValue == "0.0.1", let spec = proposed["spec"]?.objectValue
        else { return .error(400, "malformed proposed entry") }
        let body: JSONValue
        switch kind {
        case "hashedrekord":
            guard let hash = spec["data"]?.objectValue?["hash"]?.objectValue,
                let algorithm = hash["algorithm"]?.stringValue.flatMap(VerificationKey.Hash.init(name:)),
                let digestHex = hash["value"]?.stringValue, let digest = Hex.decode(digestHex), digest.count == algorithm.length,
                let signatureText = spec["signature"]?.objectValue?["content"]?.stringValue,
                let signature = Data(base64Encoded: signatureText).map(Array.init),
                let verifierText = spec["signature"]?.objectValue?["publicKey"]?.objectValue?["content"]?.stringValue,
                let key = Self.verifierKey(verifierText)
            else { return .error(400, "malformed hashedrekord entry") }
            let valid: Bool
            switch key {
            case .p256, .p384, .p521: valid = key.isValidSignature(signature, digest: digest) ?? false
            default: valid = true  // Ed25519 and RSA sign the artifact itself, which the log does not see.
            }
            guard valid else { return .error(400, "the signature does not verify over the digest") }
            body = [
                "apiVersion": "0.0.1", "kind": "hashedrekord",
                "spec": [
                    "data": ["hash": ["algorithm": .string(algorithm.shortName), "value": .string(digestHex.lowercased())]],
                    "signature": ["content": .string(signatureText), "publicKey": ["content": .string(verifierText)]],
                ],
            ]
        case "dsse":
            guard let content = spec["proposedContent"]?.objectValue, let envelopeText = content["envelope"]?.stringValue,
                case .array(let verifiers)? = content["verifiers"], let verifierText = verifiers.first?.stringValue,
                let key = Self.verifierKey(verifierText),
                case .object(let envelope)? = try? JSONParser().parse(Array(envelopeText.utf8)),
                let payload = envelope["payload"]?.stringValue.flatMap({ Data(base64Encoded: $0) }).map(Array.init),
                let payloadType = envelope["payloadType"]?.stringValue, case .array(let signatures)? = envelope["signatures"],
                signatures.count == 1, let signatureText = signatures[0].objectValue?["sig"]?.stringValue,
                let signature = Data(base64Encoded: signatureText).map(Array.init)
            else { return .error(400, "malformed dsse entry") }
            let pae = DSSEEnvelope(payload: payload, payloadType: payloadType, signatures: []).preAuthenticationEncoding
            guard key.isValidSignature(signature, for: pae) else { return .error(400, "the envelope signature does not verify") }
            body = [
                "apiVersion": "0.0.1", "kind": "dsse",
                "spec": [
                    "envelopeHash": ["algorithm": "sha256", "value": .string(Hex.encode(SHA256.hash(data: Array(envelopeText.utf8))))],
                    "payloadHash": ["algorithm": "sha256", "value": .string(Hex.encode(SHA256.hash(data: payload)))],
                    "signatures": [["signature": .string(signatureText), "verifier": .string(verifierText)]],
                ],
            ]
        default:
            return .error(400, "unsupported kind \(kind)")
        }
        do {
            let bodyBytes = try RFC8785.encode(body)
            let position = instance.append(bodyBytes)
            let integrated = Int64(Date().timeIntervalSince1970)
            integratedTimes[position] = integrated
            let entry = try rekorEntry(bodyBytes, position: position, tree: instance.tree)
            return .init(status: 201, body: JSONWriter.prettyPrinted(.object(entry)))
        } catch {
            return .error(500, "cannot log: \(error)")
        }
    }

    /// Why a service refused a request.
    struct Refusal: Error {
        let reason: String
    }

    /// Rekor v2: the request names the verifier in DER; the answer is the entry as a bundle holds it.
    private func rekorV2(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        if has(.logHTTPError) { return .error(500, "the log is unavailable") }
        if request.method == "GET", request.path.hasPrefix("/api/v2/") {
            // The read side: the log's tiles under the `api/v2` prefix, as rekor-tiles serves them.
            var log = TestTiledLog(origin: logV2Origin, key: logV2Key, entries: logV2Leaves)
            if has(.logRewritten), !log.entries.isEmpty { log.entries[0] = Array("rewritten".utf8) }
            guard let file = log.files()[String(request.path.dropFirst("/api/v2/".count))] else { return .error(404, "no such tile") }
            return .init(status: 200, contentType: "application/octet-stream", body: file)
        }
        guard request.method == "POST", request.path == "/api/v2/log/entries" else { return .error(404, "no such path") }
        guard case .object(let proposed)? = try? JSONParser().parse(request.body) else { return .error(400, "malformed request") }
        func key(_ verifier: JSONObject?) -> VerificationKey? {
            guard let verifier else { return nil }
            let details = verifier["keyDetails"]?.stringValue ?? ""
            if let raw = verifier["x509Certificate"]?.objectValue?["rawBytes"]?.stringValue.flatMap({ Data(base64Encoded: $0) }),
                let certificate = try? Certificate(derEncoded: Array(raw))
            {
                return try? VerificationKey(certificateKey: certificate.publicKey)
            }
            guard let raw = verifier["publicKey"]?.objectValue?["rawBytes"]?.stringValue.flatMap({ Data(base64Encoded: $0) }) else {
                return nil
            }
            return try? VerificationKey(der: Array(raw), keyDetails: details)
        }
        let kind: String
        let spec: JSONValue
        if let rekord = proposed["hashedRekordRequestV002"]?.objectValue {
            guard let digest = rekord["digest"]?.stringValue.flatMap({ Data(base64Encoded: $0) }).map(Array.init),
                let signature = rekord["signature"]?.objectValue,
                let content = signature["content"]?.stringValue.flatMap({ Data(base64Encoded: $0) }).map(Array.init),
                let verifier = signature["verifier"], let verifierKey = key(verifier.objectValue)
            else { return .error(400, "malformed hashedRekordRequestV002") }
            // Rekor v2 takes the digest's hash from the verifier's key details; pure Ed25519 has
            // none, so it cannot sign what a hashedrekord entry records.
            guard let algorithm = verifierKey.hash else { return .error(400, "a hashedrekord entry needs a key that signs a digest") }
            guard digest.count == algorithm.length else {
                return .error(400, "a \(algorithm.rawValue) digest is \(algorithm.length) bytes")
            }
            switch verifierKey {
            case .p256, .p384, .p521:
                guard verifierKey.isValidSignature(content, digest: digest) == true else {
                    return .error(400, "the signature does not verify over the digest")
                }
            default: break
            }
            kind = "hashedrekord"
            spec = [
                "hashedRekordV002": [
                    "data": ["algorithm": .string(algorithm.rawValue), "digest": .string(Data(digest).base64EncodedString())],
                    "signature": ["content": .string(Data(content).base64EncodedString()), "verifier": verifier],
                ]
            ]
        } else {
            return .error(400, "unsupported request")
        }
        do {
            let body = try RFC8785.encode(["apiVersion": "0.0.2", "kind": .string(kind), "spec": spec])
            logV2Leaves.append(body)
            let index = logV2Leaves.count - 1
            let size = logV2Leaves.count
            let tree = TestMerkleTree(logV2Leaves)
            var root = tree.rootHash
            let text = "\(logV2Origin)\n\(size)\n\(Data(root).base64EncodedString())\n"
            let signature = Array(try logV2Key.signature(for: Array(text.utf8)))
            let checkpoint = text + "\n\u{2014} \(logV2Origin) \(Data(logV2ID.prefix(4) + signature).base64EncodedString())\n"
            if has(.logBadInclusionProof) { root[0] ^= 1 }
            let entry: JSONValue = [
                "logIndex": .string(String(index)),
                "logId": ["keyId": .string(Data(logV2ID).base64EncodedString())],
                "kindVersion": ["kind": .string(kind), "version": "0.0.2"],
                "integratedTime": "0",
                "inclusionProof": [
                    "logIndex": .string(String(index)),
                    "rootHash": .string(Data(root).base64EncodedString()),
                    "treeSize": .string(String(size)),
                    "hashes": .array(tree.auditPath(index).map { .string(Data($0).base64EncodedString()) }),
                    "checkpoint": ["envelope": .string(checkpoint)],
                ],
                "canonicalizedBody": .string(Data(body).base64EncodedString()),
            ]
            return .init(status: 201, body: JSONWriter.prettyPrinted(entry))
        } catch {
            return .error(500, "cannot log: \(error)")
        }
    }

    private static func verifierKey(_ base64PEM: String) -> VerificationKey? {
        guard let pemBytes = Data(base64Encoded: base64PEM), let pem = String(data: pemBytes, encoding: .utf8) else { return nil }
        if let certificate = try? Certificate(pemEncoded: pem) {
            return try? VerificationKey(certificateKey: certificate.publicKey)
        }
        return try? VerificationKey(pem: pem)
    }

    // MARK: - Timestamp authority

    private func tsa(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        guard request.method == "POST", request.path == "/api/v1/timestamp" else { return .error(404, "no such path") }
        if has(.tsaHTTPError) { return .error(502, "bad gateway") }
        // TimeStampReq: version, messageImprint (algorithm, digest), then optional policy, nonce, certReq.
        guard let parsed = try? DER.parse(request.body), case .constructed(let parts) = parsed.content else {
            return .error(400, "malformed TimeStampReq")
        }
        var iterator = parts.makeIterator()
        _ = iterator.next()
        guard let imprint = iterator.next(), case .constructed(let imprintParts) = imprint.content else {
            return .error(400, "no message imprint")
        }
        var imprintIterator = imprintParts.makeIterator()
        _ = imprintIterator.next()
        guard let digestNode = imprintIterator.next(), let digest = try? ASN1OctetString(derEncoded: digestNode) else {
            return .error(400, "no digest")
        }
        var nonce: [UInt8]?
        while let node = iterator.next() {
            if node.identifier == .integer, case .primitive(let content) = node.content { nonce = Array(content) }
        }
        if has(.tsaWrongNonce), nonce != nil { nonce![nonce!.count - 1] ^= 1 }
        do {
            let response = try instance.timestamp(sha256: Array(digest.bytes), nonce: nonce, at: Date())
            return .init(status: 200, contentType: "application/timestamp-reply", body: response)
        } catch {
            return .error(500, "cannot timestamp: \(error)")
        }
    }

    private func handle(_ request: LoopbackHTTPServer.Request, by service: Service) -> LoopbackHTTPServer.Response {
        switch service {
        case .oidc: return oidc(request)
        case .ca: return fulcio(request)
        case .log: return rekor(request)
        case .logV2: return rekorV2(request)
        case .tsa: return tsa(request)
        }
    }
}
