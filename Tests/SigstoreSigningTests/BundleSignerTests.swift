import Crypto
import CryptoExtras
import Foundation
import NetworkTransport
import Plumbing
import Sigstore
import SigstoreSigning
import TUF
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
            transport: HTTPClientTransport(idleTimeout: 60, transferTimeout: 300, environment: [:])
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

    /// A managed key of each algorithm Sigstore names, with the protobuf-specs scheme its bundle
    /// is verified under and the hash its message digest must record.
    struct ManagedKey: Sendable, CustomTestStringConvertible {
        let kind: InMemorySigner.KeyKind
        let padding: InMemorySigner.RSAPadding
        let keyDetails: String
        let hash: VerificationKey.Hash

        var testDescription: String { keyDetails }

        static let all: [ManagedKey] =
            [
                ManagedKey(kind: .ecdsaP256, padding: .pss, keyDetails: "PKIX_ECDSA_P256_SHA_256", hash: .sha256),
                ManagedKey(kind: .ecdsaP384, padding: .pss, keyDetails: "PKIX_ECDSA_P384_SHA_384", hash: .sha384),
                ManagedKey(kind: .ecdsaP521, padding: .pss, keyDetails: "PKIX_ECDSA_P521_SHA_512", hash: .sha512),
                ManagedKey(kind: .ed25519, padding: .pss, keyDetails: "PKIX_ED25519", hash: .sha256),
            ]
            + [(InMemorySigner.KeyKind.rsa2048, 2048), (.rsa3072, 3072), (.rsa4096, 4096)].flatMap { kind, bits in
                [
                    ManagedKey(kind: kind, padding: .pss, keyDetails: "PKIX_RSA_PSS_\(bits)_SHA256", hash: .sha256),
                    ManagedKey(kind: kind, padding: .pkcs1v15, keyDetails: "PKIX_RSA_PKCS1V15_\(bits)_SHA256", hash: .sha256),
                ]
            }

        /// RSA keys are slow to make: one per size, shared by both paddings and every test.
        static let rsaKeys: [InMemorySigner.KeyKind: String] = {
            var keys: [InMemorySigner.KeyKind: String] = [:]
            for (kind, size) in [
                (InMemorySigner.KeyKind.rsa2048, _RSA.Signing.KeySize.bits2048), (.rsa3072, .bits3072), (.rsa4096, .bits4096),
            ] {
                keys[kind] = try! _RSA.Signing.PrivateKey(keySize: size).pemRepresentation
            }
            return keys
        }()

        func signer() throws -> InMemorySigner {
            if let pem = Self.rsaKeys[kind] { return try InMemorySigner(pkcs8PEM: pem, rsaPadding: padding) }
            return try InMemorySigner(generating: kind)
        }

        /// The key as a verifier is given it: its SubjectPublicKeyInfo and scheme.
        func verificationKey(_ signer: InMemorySigner) throws -> VerificationKey {
            try VerificationKey(der: try BundleSignerTests.spki(signer.publicKey), keyDetails: keyDetails)
        }
    }

    /// Every managed-key algorithm signs messages and DSSE envelopes, logged in Rekor v1 (with
    /// and without a timestamp) and Rekor v2; the bundle records the key's hash and verifies
    /// under that key and scheme only. RSA-PSS goes to Rekor v2 only, which is told the scheme;
    /// pure Ed25519 to Rekor v1 only, since a v2 entry records a digest.
    @Test(arguments: ManagedKey.all, [(1, true), (1, false), (2, true)])
    func managedKeysOfEveryAlgorithmSignAndVerify(key: ManagedKey, log: (version: Int, timestamp: Bool)) async throws {
        let signer = try key.signer()
        let verificationKey = try key.verificationKey(signer)
        let artifact = Array("managed \(key.keyDetails)".utf8)
        let refusal =
            key.keyDetails.hasPrefix("PKIX_RSA_PSS") && log.version == 1
            ? "checks RSA signatures as PKCS#1 v1.5"
            : key.keyDetails == "PKIX_ED25519" && log.version == 2 ? "an Ed25519 key cannot sign" : nil
        if let refusal {
            let before = services.instance.leaves.count
            let refusingSigner = try self.signer(withTimestampAuthority: log.timestamp, logVersion: log.version)
            do {
                _ = try await refusingSigner.sign(.artifact(artifact), with: signer)
                Issue.record("\(key.keyDetails) was sent to a Rekor v\(log.version) log")
            } catch {
                #expect(error.step == .configuration)
                #expect(error.reason.contains(refusal), "\(error)")
            }
            #expect(services.instance.leaves.count == before)
            return
        }
        for inToto in [false, true] {
            let content: BundleSigner.Content = inToto ? .inTotoStatement(Self.statement(about: artifact)) : .artifact(artifact)
            let signed = try await self.signer(withTimestampAuthority: log.timestamp, logVersion: log.version).sign(content, with: signer)
            let bundle = try SigstoreBundle(bytes: signed.bytes)
            #expect(bundle.certificates.isEmpty)
            #expect(bundle.publicKeyHint?.count == 64)
            #expect(bundle.timestamps.count == (log.timestamp ? 1 : 0))
            #expect(bundle.transparencyLogEntries.first?.kind == (inToto && log.version == 1 ? "dsse" : "hashedrekord"))
            if case .messageSignature(_, let algorithm, let digest) = bundle.content {
                #expect(algorithm == key.hash.rawValue)
                #expect(digest == key.hash.digest(artifact))
            }
            let verifier = BundleVerifier(trustedRoot: trustedRoot)
            try await verifier.verify(bundle, artifact: .bytes(artifact), policy: .key(verificationKey))
            // Another key of the same kind, or the same RSA key under the other padding, does not verify it.
            let other = try VerificationKey(der: try Self.spki(InMemorySigner(generating: key.kind).publicKey), keyDetails: key.keyDetails)
            await #expect(throws: VerificationError.self) {
                try await verifier.verify(bundle, artifact: .bytes(artifact), policy: .key(other))
            }
            if key.keyDetails.hasPrefix("PKIX_RSA") {
                let swapped = key.padding == .pss ? "PKIX_RSA_PKCS1V15_" : "PKIX_RSA_PSS_"
                let otherPadding = try VerificationKey(
                    der: verificationKey.der,
                    keyDetails: swapped + key.keyDetails.split(separator: "_")[3] + "_SHA256"
                )
                await #expect(throws: VerificationError.self) {
                    try await verifier.verify(bundle, artifact: .bytes(artifact), policy: .key(otherPadding))
                }
            }
        }
    }

    /// Keyless with P-384 on request: the certificate is for a P-384 key, and the bundle's
    /// message digest and log entry are SHA-384, from the bytes or from a digest alone.
    @Test(arguments: [1, 2])
    func keylessP384OnRequest(logVersion: Int) async throws {
        let artifact = Array("keyless p-384".utf8)
        let token = try IdentityToken(services.identityToken())
        let signer = try signer(logVersion: logVersion)
        for content in [BundleSigner.Content.artifact(artifact), .artifactDigest(.sha384, Array(SHA384.hash(data: artifact)))] {
            let signed = try await signer.signKeyless(content, token: token, algorithm: .ecdsaP384)
            let bundle = try SigstoreBundle(bytes: signed.bytes)
            let leaf = try #require(bundle.leafCertificate)
            guard case .p384 = try VerificationKey(certificateKey: leaf.publicKey) else {
                Issue.record("the certificate is not for a P-384 key")
                return
            }
            guard case .messageSignature(_, let algorithm, _) = bundle.content else {
                Issue.record("not a message signature")
                return
            }
            #expect(algorithm == "SHA2_384")
            try await BundleVerifier(trustedRoot: trustedRoot).verify(bundle, artifact: .bytes(artifact), policy: identityPolicy)
            try await BundleVerifier(trustedRoot: trustedRoot).verify(
                bundle,
                artifact: .sha384(Array(SHA384.hash(data: artifact))),
                policy: identityPolicy
            )
        }
        // A digest by another hash than the key's is refused before any service is asked.
        let before = services.instance.leaves.count
        await #expect(throws: SigningError(.input, "the key signs sha384 digests, not the sha256 digest given")) {
            try await signer.signKeyless(.artifactSHA256(Array(SHA256.hash(data: artifact))), token: token, algorithm: .ecdsaP384)
        }
        #expect(services.instance.leaves.count == before)
    }

    @Test func managedKeyOfAnotherSchemeIsRefusedBeforeAnyServiceIsAsked() async throws {
        struct OtherScheme: TUF.Signer {
            let publicKey: Key
            func sign(_ message: [UInt8]) throws -> [UInt8] { [] }
        }
        let rsa = try ManagedKey.all.first { $0.kind == .rsa2048 }!.signer().publicKey
        let before = services.instance.leaves.count
        await #expect(
            throws: SigningError(
                .key,
                "rsa/rsassa-pss-sha512 keys cannot sign bundles here; use ECDSA P-256, P-384 or P-521, Ed25519, or RSA with SHA-256"
            )
        ) {
            try await signer().sign(
                .artifact([1]),
                with: OtherScheme(publicKey: Key(keyType: "rsa", scheme: "rsassa-pss-sha512", publicValue: rsa.publicValue))
            )
        }
        #expect(services.instance.leaves.count == before)
    }

    static func statement(about artifact: [UInt8]) -> [UInt8] {
        JSONWriter.prettyPrinted([
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [["name": "a", "digest": ["sha256": .string(Hex.encode(SHA256.hash(data: artifact)))]]],
            "predicateType": "https://example.com/predicate", "predicate": [:],
        ])
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
        let token = try await AmbientCredentials.detect(environment: environment, transport: HTTPClientTransport(environment: [:]))
        #expect(token?.audiences == ["sigstore"])
        #expect(token?.issuer == services.issuerURL)
        let none = try await AmbientCredentials.detect(environment: [:], transport: HTTPClientTransport(environment: [:]))
        #expect(none == nil)
        var wrong = environment
        wrong["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = "wrong"
        await #expect(throws: SigningError.self) {
            try await AmbientCredentials.detect(environment: wrong, transport: HTTPClientTransport(environment: [:]))
        }
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

    /// The DER SubjectPublicKeyInfo of a key as TUF metadata lists it.
    static func spki(_ key: Key) throws -> [UInt8] {
        if key.keyType == "ed25519" {
            let raw = try #require(Hex.decode(key.publicValue))
            return [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00] + raw
        }
        return try #require(PEM.decode(key.publicValue)).der
    }
}
