import Foundation
import Plumbing
import TUF

/// Finds an identity token in the environment a signer runs in: `SIGSTORE_ID_TOKEN`, or the
/// token GitHub Actions issues to a workflow with `id-token: write` permission.
public enum AmbientCredentials {
    /// The audience Sigstore's certificate authorities expect.
    public static let audience = "sigstore"

    /// The token the environment offers, or nil when it offers none.
    public static func detect(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        transport: any HTTPTransport
    ) async throws(SigningError) -> IdentityToken? {
        if let token = environment["SIGSTORE_ID_TOKEN"], !token.isEmpty {
            return try IdentityToken(token)
        }
        if let requestURL = environment["ACTIONS_ID_TOKEN_REQUEST_URL"], !requestURL.isEmpty,
            let bearer = environment["ACTIONS_ID_TOKEN_REQUEST_TOKEN"], !bearer.isEmpty
        {
            return try await gitHubActionsToken(requestURL: requestURL, bearer: bearer, transport: transport)
        }
        return nil
    }

    /// Asks GitHub Actions' token service for a token with the Sigstore audience.
    static func gitHubActionsToken(requestURL: String, bearer: String, transport: any HTTPTransport) async throws(SigningError)
        -> IdentityToken
    {
        guard var components = URLComponents(string: requestURL) else {
            throw SigningError(.identityToken, "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL")
        }
        components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "audience", value: audience)]
        guard let url = components.url else { throw SigningError(.identityToken, "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL") }
        let response: HTTPResponse
        do {
            response = try await transport.send(
                HTTPRequest(url: url, headers: ["Authorization": "Bearer \(bearer)", "Accept": "application/json"]),
                maximumBytes: 64 * 1024
            )
        } catch {
            throw SigningError(.identityToken, "GitHub Actions token request: \(error)", serviceUnavailable: true)
        }
        guard response.isSuccess else {
            throw SigningError(.identityToken, "GitHub Actions token request: HTTP status \(response.status)", serviceUnavailable: true)
        }
        guard case .object(let object)? = try? JSONParser().parse(response.body), case .string(let value)? = object["value"] else {
            throw SigningError(.identityToken, "GitHub Actions token response has no value")
        }
        return try IdentityToken(value)
    }
}
