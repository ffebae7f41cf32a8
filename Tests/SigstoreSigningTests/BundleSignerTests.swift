import Crypto
import Foundation
import Sigstore
import SigstoreSigning
import TUF
import TUFClient
import TestSupport
import Testing

/// Signing through the loopback services, then verifying what was written as a verifier would.
@Suite struct BundleSignerTests {
    let services: TestSigstoreServices
    let trustedRoot: TrustedRoot

    init() throws {
        services = try TestSigstoreServices()
        trustedRoot = try TrustedRoot(bytes: services.trustedRoot())
    }

    func signer(withTimestampAuthority: Bool = true, logVersion: Int = 1) throws -> BundleSigner {
        BundleSigner(
            trustedRoot: trustedRoot,
            signingConfig: try SigningConfig(
                bytes: services.signingConfig(withTimestampAuthority: withTimestampAuthority, logVersion: logVersion)
            ),
            transport: URLSessionFetcher(idleTimeout: 10, transferTimeout: 30)
        )
    }

    var identityPolicy: BundleVerifier.Policy {
        .identity(IdentityPolicy(identity: .exact(TestInstance.identity), issuer: services.issuerURL))
    }

    @Test func keylessArtifactBundleVerifiesOnItsOwn() async throws {
        let artifact = Array("release 1.0\n".utf8)
        let token = try IdentityToken(services.identityToken())
        let signed = try await signer().signKeyless(.artifact(artifact), token: token)
        // Read back from the bytes alone, by a verifier that knows nothing of the signer.
        let bundle = try SigstoreBundle(bytes: signed.bytes)
        #expect(bundle.version == .v0_3)
        #expect(bundle.transparencyLogEntries.count == 1)
        #expect(bundle.timestamps.count == 1)
        let result = try await BundleVerifier(trustedRoot: trustedRoot).verify(bundle, artifact: .bytes(artifact), policy: identityPolicy)
        #expect(result.verifiedTimes.count == 2)
        #expect(result.checks.contains(.signedCertificateTimestamp))
        // The bundle is for this artifact only.
        await #expect(throws: VerificationError.self) {
            try await BundleVerifier(trustedRoot: trustedRoot).verify(bundle, artifact: .bytes(artifact + [0]), policy: identityPolicy)
        }
    }

    @Test func keylessSigningNeedsOnlyTheDigest() async throws {
        let artifact = Array("hashed elsewhere".utf8)
        let digest = Array(SHA256.hash(data: artifact))
        let signed = try await signer().signKeyless(.artifactSHA256(digest), token: try IdentityToken(services.identityToken()))
        try await BundleVerifier(trustedRoot: trustedRoot).verify(signed.bundle, artifact: .bytes(artifact), policy: identityPolicy)
        // A managed key signs the bytes themselves.
        let signer = try signer()
        let key = try InMemorySigner(generating: .ecdsaP256)
        do {
            _ = try await signer.sign(.artifactSHA256(digest), with: key)
            Issue.record("a managed key signed a bare digest")
        } catch {
            #expect(error.step == .input)
        }
    }

    @Test func keylessInTotoStatementIsAnEnvelopeForItsSubject() async throws {
        let artifact = Array("binary".utf8)
        let statement = JSONWriter.prettyPrinted([
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [["name": "binary", "digest": ["sha256": .string(Hex.encode(SHA256.hash(data: artifact)))]]],
            "predicateType": "https://slsa.dev/provenance/v1", "predicate": ["buildDefinition": [:]],
        ])
        let signed = try await signer(withTimestampAuthority: false).signKeyless(
            .inTotoStatement(statement),
            token: try IdentityToken(services.identityToken())
        )
        let bundle = try SigstoreBundle(bytes: signed.bytes)
        guard case .envelope(let envelope) = bundle.content else {
            Issue.record("not a DSSE bundle")
            return
        }
        #expect(envelope.payload == statement)
        #expect(bundle.timestamps.isEmpty)
        let result = try await BundleVerifier(trustedRoot: trustedRoot).verify(bundle, artifact: .bytes(artifact), policy: identityPolicy)
        #expect(result.predicateType == "https://slsa.dev/provenance/v1")
    }

    @Test(arguments: [false, true])
    func rekorV2EntriesTakeTheirTimeFromTheTimestampAuthority(inToto: Bool) async throws {
        let artifact = Array("v2 artifact".utf8)
        let content: BundleSigner.Content =
            inToto
            ? .inTotoStatement(
                JSONWriter.prettyPrinted([
                    "_type": "https://in-toto.io/Statement/v1",
                    "subject": [["name": "a", "digest": ["sha256": .string(Hex.encode(SHA256.hash(data: artifact)))]]],
                    "predicateType": "https://example.com/predicate", "predicate": [:],
                ])
            ) : .artifact(artifact)
        let signed = try await signer(logVersion: 2).signKeyless(content, token: try IdentityToken(services.identityToken()))
        let bundle = try SigstoreBundle(bytes: signed.bytes)
        let entry = try #require(bundle.transparencyLogEntries.first)
        #expect(entry.kindVersion == "0.0.2")
        // A DSSE envelope too is logged as a hashedrekord over its pre-authentication encoding.
        #expect(entry.kind == "hashedrekord")
        #expect(entry.integratedTime == nil)
        #expect(entry.logID == services.logV2ID)
        let result = try await BundleVerifier(trustedRoot: trustedRoot).verify(bundle, artifact: .bytes(artifact), policy: identityPolicy)
        #expect(result.verifiedTimes.map(\.source) == ["timestamp authority"])
    }

    @Test func rekorV2WithoutATimestampAuthorityIsAConfigurationError() async throws {
        let before = services.logV2Leaves.count
        let signer = try signer(withTimestampAuthority: false, logVersion: 2)
        let token = try IdentityToken(services.identityToken())
        do {
            _ = try await signer.signKeyless(.artifact([1]), token: token)
            Issue.record("signed with a Rekor v2 log and no timestamp")
        } catch {
            #expect(error.step == .configuration)
            #expect(error.reason.contains("needs a timestamp authority"))
        }
        #expect(services.logV2Leaves.count == before)
    }

    @Test(arguments: [InMemorySigner.KeyKind.ecdsaP256, .ed25519])
    func managedKeyBundlesRoundTrip(kind: InMemorySigner.KeyKind) async throws {
        let key = try InMemorySigner(generating: kind)
        let artifact = Array("managed \(kind)".utf8)
        let signed = try await signer().sign(.artifact(artifact), with: key)
        let bundle = try SigstoreBundle(bytes: signed.bytes)
        #expect(bundle.certificates.isEmpty)
        #expect(bundle.publicKeyHint?.count == 64)
        let (der, details) = try Self.spki(key.publicKey)
        let verificationKey = try VerificationKey(der: der, keyDetails: details)
        try await BundleVerifier(trustedRoot: trustedRoot).verify(bundle, artifact: .bytes(artifact), policy: .key(verificationKey))
        // Another key does not verify it.
        let (otherDER, _) = try Self.spki(try InMemorySigner(generating: kind).publicKey)
        await #expect(throws: VerificationError.self) {
            try await BundleVerifier(trustedRoot: trustedRoot).verify(
                bundle,
                artifact: .bytes(artifact),
                policy: .key(try VerificationKey(der: otherDER, keyDetails: details))
            )
        }
    }

    @Test func managedP384KeyIsRefusedBeforeAnyServiceIsAsked() async throws {
        let before = services.instance.leaves.count
        await #expect(throws: SigningError(.key, "ecdsa/ecdsa-sha2-nistp384 keys cannot sign bundles here; use ECDSA P-256 or Ed25519")) {
            try await signer().sign(.artifact([1]), with: try InMemorySigner(generating: .ecdsaP384))
        }
        #expect(services.instance.leaves.count == before)
    }

    /// Each way a service can misbehave stops signing at the step it belongs to.
    @Test(arguments: [
        (TestSigstoreServices.Fault.caHTTPError, SigningError.Step.certificateAuthority, "HTTP status 503: the CA is down"),
        (.caUntrustedChain, .certificateAuthority, "does not chain to a trusted authority"),
        (.caWrongSCT, .certificateAuthority, "SCT's log is not in the trusted root"),
        (.caWrongKey, .certificateAuthority, "another key"),
        (.caOtherIdentity, .certificateAuthority, "not the token's"),
        (.caOtherIssuer, .certificateAuthority, "not the token's"),
        (.caAuthorityLeaf, .certificateAuthority, "CA certificate"),
        (.logHTTPError, .transparencyLog, "HTTP status 500"),
        (.logBadInclusionProof, .verification, "inclusion proof"),
        (.logBadSET, .verification, "signed entry timestamp"),
        (.tsaHTTPError, .timestampAuthority, "HTTP status 502"),
        (.tsaWrongNonce, .timestampAuthority, "nonce"),
    ])
    func serviceFaultsStopSigning(fault: TestSigstoreServices.Fault, step: SigningError.Step, message: String) async throws {
        services.inject(fault)
        let token = try IdentityToken(services.identityToken(email: "alice@example.com"))
        let signer = try signer()
        do {
            _ = try await signer.signKeyless(.artifact(Array("x".utf8)), token: token)
            Issue.record("signing succeeded despite \(fault)")
        } catch {
            #expect(error.step == step, "\(fault): \(error)")
            #expect(error.reason.contains(message), "\(fault): \(error)")
        }
    }

    /// Services that take long to answer: the certificate and the finished bundle are checked at
    /// the time the answers came, not at the time signing began.
    @Test func slowServicesDoNotMakeTheirAnswersLookFuture() async throws {
        final class SlowClock: @unchecked Sendable {
            private let lock = NSLock()
            private var reads = 0
            /// The first read is two minutes before the real time, as if the services then took that long.
            func now() -> Date {
                lock.withLock {
                    reads += 1
                    return reads == 1 ? Date().addingTimeInterval(-120) : Date()
                }
            }
        }
        let clock = SlowClock()
        var signer = try signer()
        signer.clock = { clock.now() }
        let artifact = Array("slow".utf8)
        let signed = try await signer.signKeyless(.artifact(artifact), token: try IdentityToken(services.identityToken()))
        try await BundleVerifier(trustedRoot: trustedRoot).verify(signed.bundle, artifact: .bytes(artifact), policy: identityPolicy)
    }

    @Test func expiredTokenIsRefusedBeforeAnyKeyOrRequest() async throws {
        let token = try IdentityToken(services.identityToken(expiry: Date().addingTimeInterval(-600)))
        let before = services.instance.leaves.count
        let signer = try signer()
        do {
            _ = try await signer.signKeyless(.artifact([1]), token: token)
            Issue.record("an expired token was used")
        } catch {
            #expect(error.step == .identityToken)
            #expect(error.reason.contains("expired"))
        }
        #expect(services.instance.leaves.count == before)
    }

    @Test func tokenForAnotherAudienceIsRefusedByTheAuthority() async throws {
        let token = try IdentityToken(services.identityToken(audience: "not-sigstore"))
        await #expect(throws: SigningError.self) { try await signer().signKeyless(.artifact([1]), token: token) }
    }

    @Test func malformedTokensAreNamed() {
        #expect(throws: SigningError(.identityToken, "not a signed JWT (header.payload.signature)")) { try IdentityToken("abc") }
        #expect(throws: SigningError(.identityToken, "the JWT payload is not base64url")) { try IdentityToken("a.b=.c") }
    }

    @Test func ambientGitHubActionsTokenIsFetchedForTheSigstoreAudience() async throws {
        let environment = [
            "ACTIONS_ID_TOKEN_REQUEST_URL": services.actionsTokenURL.absoluteString + "?api-version=2.0",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": services.actionsRequestToken,
        ]
        let token = try await AmbientCredentials.detect(environment: environment, transport: URLSessionFetcher())
        #expect(token?.audiences == ["sigstore"])
        #expect(token?.issuer == services.issuerURL)
        let none = try await AmbientCredentials.detect(environment: [:], transport: URLSessionFetcher())
        #expect(none == nil)
        var wrong = environment
        wrong["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = "wrong"
        await #expect(throws: SigningError.self) { try await AmbientCredentials.detect(environment: wrong, transport: URLSessionFetcher()) }
    }

    @Test func signingConfigSelectsUsableServices() throws {
        let config = try SigningConfig(bytes: services.signingConfig())
        let selection = try config.select(at: Date(), needsCertificateAuthority: true)
        #expect(selection.certificateAuthority?.url == services.caURL)
        #expect(selection.transparencyLogs.map(\.url) == [services.logURL])
        #expect(selection.timestampAuthorities.map(\.url) == [services.tsaURL])
        // Before the services' validity nothing is usable.
        #expect(throws: SigningError.self) { try config.select(at: Date(timeIntervalSince1970: 0), needsCertificateAuthority: true) }
        #expect(throws: SigningError.self) { try SigningConfig(bytes: Array("{\"mediaType\": \"other\"}".utf8)) }
    }

    static func spki(_ key: Key) throws -> ([UInt8], String) {
        if key.keyType == "ed25519" {
            let raw = try #require(Hex.decode(key.publicValue))
            return ([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00] + raw, "PKIX_ED25519")
        }
        return (try VerificationKey(pem: key.publicValue).der, "PKIX_ECDSA_P256_SHA_256")
    }
}
