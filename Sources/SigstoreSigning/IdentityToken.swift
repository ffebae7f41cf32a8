import Foundation
import Sigstore
import TUF

/// An OIDC identity token (a JWT) to exchange for a signing certificate. The signer reads its
/// claims only to pick the identity to prove and to refuse an expired token early; the
/// certificate authority checks its signature.
public struct IdentityToken: Sendable {
    /// The token as given.
    public let rawValue: String
    /// The `iss` claim.
    public let issuer: String
    /// The `sub` claim.
    public let subject: String
    /// The `email` claim, if any.
    public let email: String?
    /// The `aud` claim (a string or a list).
    public let audiences: [String]
    /// The `exp` claim.
    public let expiry: Date
    /// The `nbf` claim, if any.
    public let notBefore: Date?

    /// The largest token accepted.
    static let maximumLength = 64 * 1024

    /// Reads the claims of a compact JWT.
    public init(_ token: String) throws(SigningError) {
        let text = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count <= Self.maximumLength else {
            throw SigningError(.identityToken, "the token is longer than \(Self.maximumLength) bytes")
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[2].isEmpty else {
            throw SigningError(.identityToken, "not a signed JWT (header.payload.signature)")
        }
        guard let payload = Self.base64URLDecode(String(parts[1])) else {
            throw SigningError(.identityToken, "the JWT payload is not base64url")
        }
        let claims: JSONObject
        do {
            guard case .object(let object) = try JSONParser().parse(payload) else {
                throw SigningError(.identityToken, "the JWT payload is not a JSON object")
            }
            claims = object
        } catch let error as SigningError {
            throw error
        } catch {
            throw SigningError(.identityToken, "the JWT payload is not JSON: \(error)")
        }
        func string(_ name: String) throws(SigningError) -> String {
            guard case .string(let value)? = claims[name], !value.isEmpty else {
                throw SigningError(.identityToken, "the token has no \(name) claim")
            }
            return value
        }
        func time(_ name: String) throws(SigningError) -> Date? {
            guard let value = claims[name] else { return nil }
            guard case .integer(let seconds) = value else {
                throw SigningError(.identityToken, "the token's \(name) claim is not a whole number of seconds")
            }
            return Date(timeIntervalSince1970: Double(seconds))
        }
        rawValue = text
        issuer = try string("iss")
        subject = try string("sub")
        if case .string(let email)? = claims["email"] { self.email = email } else { email = nil }
        switch claims["aud"] {
        case .string(let audience)?: audiences = [audience]
        case .array(let list)?: audiences = list.compactMap(\.stringValue)
        default: audiences = []
        }
        guard let expiry = try time("exp") else { throw SigningError(.identityToken, "the token has no exp claim") }
        self.expiry = expiry
        notBefore = try time("nbf")
    }

    /// What the certificate authority binds the certificate to and the proof of possession
    /// signs: the email address when the token has one, else the subject.
    public var identity: String { email ?? subject }

    /// Refuses a token that has expired or is not yet valid at `now`, so that no key or
    /// request is spent on it.
    public func checkUsable(at now: Date, clockSkew: TimeInterval = 60) throws(SigningError) {
        if expiry.addingTimeInterval(clockSkew) < now {
            throw SigningError(.identityToken, "the token expired at \(MetadataDate.format(expiry)); get a new one")
        }
        if let notBefore, notBefore.addingTimeInterval(-clockSkew) > now {
            throw SigningError(.identityToken, "the token is not valid before \(MetadataDate.format(notBefore))")
        }
    }

    /// Decodes unpadded base64url (a JWT segment carries no padding).
    static func base64URLDecode(_ text: String) -> [UInt8]? {
        guard !text.contains("=") else { return nil }
        return Base64.decode(text)
    }
}
