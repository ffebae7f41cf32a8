// Fuzzes what a signer reads from the network or its environment before anything is trusted:
// signing configs, identity tokens, Fulcio's signingCert answer, Rekor v1 and v2 answers, and
// RFC 3161 timestamp answers. The first byte chooses the parser. Each refuses the input with a
// typed error or returns a value; nothing may crash, hang or leak.
import Foundation
import FuzzSupport
import Sigstore
import SigstoreSigning
import TUF

func check(_ input: UnsafeBufferPointer<UInt8>) {
    guard let selector = input.first else { return }
    let bytes = Array(input.dropFirst())
    switch selector % 6 {
    case 0:
        if let config = try? SigningConfig(bytes: bytes) {
            _ = try? config.select(at: Date(timeIntervalSince1970: 1_750_000_000), needsCertificateAuthority: true)
        }
    case 1:
        if let token = try? IdentityToken(String(decoding: bytes, as: UTF8.self)) {
            _ = try? token.checkUsable(at: Date(timeIntervalSince1970: 1_750_000_000))
            _ = token.identity
        }
    case 2:
        if let answer = try? JSONParser().parse(bytes) { _ = try? FulcioClient.certificates(fromAnswer: answer) }
    case 3:
        if let answer = try? JSONParser().parse(bytes) { _ = try? RekorClient.entry(fromV1Answer: answer).json }
    case 4:
        _ = try? TransparencyLogEntry(json: bytes).json
    default:
        if let token = try? TimestampToken(der: bytes) { _ = token.nonce }
    }
}

runFuzzer(check)
