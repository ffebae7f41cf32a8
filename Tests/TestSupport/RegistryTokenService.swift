import Crypto
import Foundation
import SwiftASN1
import TUF
import X509

/// The token service a registry's bearer-token challenge sends clients to, as Docker's token
/// authentication specification has it: `GET /token?service=…&scope=repository:NAME:ACTIONS`
/// with basic credentials answers a JWT (ES256, its certificate in `x5c`) granting those actions.
/// A registry configured with ``rootCertificatePEM`` as its root bundle accepts the tokens.
public final class RegistryTokenService: @unchecked Sendable {
    /// The `service` the registry names in its challenges and the tokens' audience.
    public let service = "test-registry"
    /// The tokens' issuer.
    public let issuer = "test-token-issuer"
    private let key = P256.Signing.PrivateKey()
    private let certificate: Certificate
    private let credentials: (user: String, password: String)
    private var server: LoopbackHTTPServer!

    /// Starts the service on a free loopback port, granting tokens for `credentials` only.
    public init(credentials: (user: String, password: String)) throws {
        self.credentials = credentials
        let name = try DistinguishedName { CommonName("registry token signer") }
        let now = Date()
        certificate = try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3_600),
            notValidAfter: now.addingTimeInterval(86_400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
            },
            issuerPrivateKey: .init(key)
        )
        server = try LoopbackHTTPServer { [weak self] request in
            guard let self else { return .error(503, "the token service has stopped") }
            return self.answer(request)
        }
    }

    deinit { server.stop() }

    /// Where the registry sends clients for tokens.
    public var realm: String { "http://127.0.0.1:\(server.port)/token" }

    /// The certificate the registry checks tokens' signatures with, PEM.
    public var rootCertificatePEM: String { TestInstance.pem("CERTIFICATE", TestInstance.der(certificate)) }

    private func answer(_ request: LoopbackHTTPServer.Request) -> LoopbackHTTPServer.Response {
        guard request.path == "/token" else { return .error(404, "no such path") }
        let expected = "Basic " + Data("\(credentials.user):\(credentials.password)".utf8).base64EncodedString()
        guard request.headers["authorization"] == expected else { return .error(401, "wrong credentials") }
        let fields = request.queryFields
        guard fields["service"] == service else { return .error(400, "unknown service") }
        var access: [JSONValue] = []
        if let scope = fields["scope"] {
            let parts = scope.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, parts[0] == "repository" else { return .error(400, "malformed scope") }
            let actions = parts[2].split(separator: ",").map { JSONValue.string(String($0)) }
            access.append(["type": "repository", "name": .string(parts[1]), "actions": .array(actions)])
        }
        do {
            let token = try self.token(access: access)
            return .init(status: 200, body: JSONWriter.prettyPrinted(["token": .string(token), "expires_in": 300]))
        } catch {
            return .error(500, "cannot sign: \(error)")
        }
    }

    private func token(access: [JSONValue]) throws -> String {
        let now = Int64(Date().timeIntervalSince1970)
        let header: JSONValue = [
            "typ": "JWT", "alg": "ES256", "x5c": [.string(Data(TestInstance.der(certificate)).base64EncodedString())],
        ]
        let claims: JSONValue = [
            "iss": .string(issuer), "sub": .string(credentials.user), "aud": .string(service), "exp": .integer(now + 300),
            "nbf": .integer(now - 10), "iat": .integer(now - 10), "jti": .string(UUID().uuidString), "access": .array(access),
        ]
        return try TestSigstoreServices.jwt(header: header, claims: claims, signedBy: key)
    }
}
