import Foundation
import Plumbing
import Sigstore
import TUF
import X509

/// Asks a Fulcio certificate authority (API v2, `signingCert`) for a short-lived signing
/// certificate for a public key, in exchange for an identity token and a proof that the
/// requester holds the key.
public struct FulcioClient: Sendable {
    /// The authority's base URL.
    public let baseURL: URL
    let transport: any HTTPTransport

    /// A client for the authority at `baseURL`.
    public init(baseURL: URL, transport: any HTTPTransport) {
        self.baseURL = baseURL
        self.transport = transport
    }

    /// The certificate chain (signing certificate first) the authority issues for the key in
    /// `publicKeyPEM`. `proofOfPossession` is the key's signature over the token's identity.
    /// Only chains with the SCT embedded are accepted.
    public func signingCertificate(token: IdentityToken, publicKeyPEM: String, proofOfPossession: [UInt8]) async throws(SigningError)
        -> [Certificate]
    {
        let request: JSONValue = [
            "credentials": ["oidcIdentityToken": .string(token.rawValue)],
            "publicKeyRequest": [
                "publicKey": ["algorithm": "ECDSA", "content": .string(publicKeyPEM)],
                "proofOfPossession": .string(Data(proofOfPossession).base64EncodedString()),
            ],
        ]
        let url = baseURL.appendingPathComponent("api/v2/signingCert")
        let answer = try await ServiceRequest(step: .certificateAuthority, transport: transport, maximumBytes: 1 << 20)
            .postJSON(url, request)
        return try Self.certificates(fromAnswer: answer)
    }

    /// Reads the chain from a `signingCert` answer: PEM certificates, the signing one first, with
    /// the SCT embedded. What it returns is only well-formed, not yet verified.
    public static func certificates(fromAnswer answer: JSONValue) throws(SigningError) -> [Certificate] {
        guard case .object(let object) = answer else {
            throw SigningError(.certificateAuthority, "the answer is not a JSON object")
        }
        if object["signedCertificateDetachedSct"] != nil {
            throw SigningError(.certificateAuthority, "the authority returned a detached SCT; only embedded SCTs are supported")
        }
        guard case .object(let signed)? = object["signedCertificateEmbeddedSct"], case .object(let chain)? = signed["chain"],
            case .array(let pems)? = chain["certificates"], !pems.isEmpty
        else {
            throw SigningError(.certificateAuthority, "the answer has no signedCertificateEmbeddedSct.chain.certificates")
        }
        guard pems.count <= 10 else { throw SigningError(.certificateAuthority, "the chain has \(pems.count) certificates") }
        var certificates: [Certificate] = []
        for (index, value) in pems.enumerated() {
            guard let pem = value.stringValue, let block = PEM.decode(pem), block.label == "CERTIFICATE" else {
                throw SigningError(.certificateAuthority, "certificate \(index) of the chain is not a PEM certificate")
            }
            do {
                certificates.append(try Certificate(derEncoded: block.der))
            } catch {
                throw SigningError(.certificateAuthority, "certificate \(index) of the chain does not parse: \(error)")
            }
        }
        return certificates
    }
}
