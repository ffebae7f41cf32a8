import Crypto
import Foundation
import Plumbing
import Sigstore
import SwiftASN1

/// Asks an RFC 3161 timestamp authority to timestamp a signature. The request carries a random
/// nonce and asks for the signing certificate; the answer must grant a token over exactly this
/// signature's digest with the same nonce. Whether the authority is trusted is checked with
/// the rest of the bundle.
public struct TimestampAuthorityClient: Sendable {
    /// The authority's request URL (for sigstore's, `…/api/v1/timestamp`).
    public let url: URL
    let transport: any HTTPTransport

    /// A client for the authority at `url`.
    public init(url: URL, transport: any HTTPTransport) {
        self.url = url
        self.transport = transport
    }

    /// The DER TimeStampResp over SHA-256 of `signature`.
    public func timestamp(_ signature: [UInt8]) async throws(SigningError) -> [UInt8] {
        let digest = Array(SHA256.hash(data: signature))
        // A positive 64-bit nonce: its first byte below 0x80 keeps the INTEGER positive.
        var nonce = (0..<8).map { _ in UInt8.random(in: 0...255) }
        nonce[0] = nonce[0] & 0x7f | 0x01
        let request = Self.request(digest: digest, nonce: nonce)
        let answer = try await ServiceRequest(step: .timestampAuthority, transport: transport, maximumBytes: 1 << 20)
            .post(url, body: request, contentType: "application/timestamp-query", accept: "application/timestamp-reply")
        let token: TimestampToken
        do {
            token = try TimestampToken(der: answer)
        } catch {
            throw SigningError(.timestampAuthority, "the answer is not a granted timestamp: \(error.reason)")
        }
        guard token.imprintHash == .sha256, token.imprint == digest else {
            throw SigningError(.timestampAuthority, "the timestamp is over another message than the signature")
        }
        guard token.nonce == nonce else {
            throw SigningError(.timestampAuthority, "the timestamp does not repeat the request's nonce")
        }
        return answer
    }

    /// A DER TimeStampReq (RFC 3161 2.4.1): version 1, a SHA-256 imprint, the nonce, certReq TRUE.
    static func request(digest: [UInt8], nonce: [UInt8]) -> [UInt8] {
        let sha256: [UInt8] = [0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]
        let imprint = DEREncoding.element(0x30, sha256 + DEREncoding.element(0x04, digest))
        return DEREncoding.element(0x30, [0x02, 0x01, 0x01] + imprint + DEREncoding.element(0x02, nonce) + [0x01, 0x01, 0xff])
    }
}
