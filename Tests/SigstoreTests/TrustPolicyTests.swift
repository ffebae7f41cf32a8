import Crypto
import Foundation
import TUF
import TestSupport
import Testing
import X509

@testable import Sigstore

/// Trust policy: how much evidence a bundle must carry, roots that trust timestamps instead of
/// logs, several roots at once (each used alone), client trust configs, and entities that are
/// not bundle JSON.
@Suite("Trust policy")
struct TrustPolicyTests {
    static let artifact = Array("the artifact\n".utf8)
    let policy = BundleVerifier.Policy.identity(IdentityPolicy(identity: .exact(TestInstance.identity), issuer: TestInstance.issuerURL))

    /// The error verifying `bundle` under `verifier` gave, or nil when it verified.
    func failure(_ bundle: JSONValue, _ verifier: BundleVerifier) async -> VerificationError? {
        await failure(bundle) { bundle, artifact, policy throws(VerificationError) in
            try await verifier.verify(bundle, artifact: artifact, policy: policy)
        }
    }

    /// The same, for several roots.
    func failure(_ bundle: JSONValue, _ verifier: SignedEntityVerifier) async -> VerificationError? {
        await failure(bundle) { bundle, artifact, policy throws(VerificationError) in
            try await verifier.verify(bundle, artifact: artifact, policy: policy)
        }
    }

    /// The error `verify` gave for `bundle`, the artifact and the policy, or nil.
    func failure(
        _ bundle: JSONValue,
        verify: (SigstoreBundle, BundleVerifier.Artifact, BundleVerifier.Policy) async throws(VerificationError) -> BundleVerifier.Result
    ) async -> VerificationError? {
        do {
            _ = try await verify(try SigstoreBundle(bytes: JSONWriter.prettyPrinted(bundle)), .bytes(Self.artifact), policy)
            return nil
        } catch {
            return error
        }
    }

    static func root(_ instance: TestInstance, _ edit: (JSONValue) -> JSONValue = { $0 }) throws -> TrustedRoot {
        try TrustedRoot(bytes: JSONWriter.prettyPrinted(edit(try JSONParser().parse(instance.trustedRoot()))))
    }

    @Test func thresholdsCountEachKindOfEvidence() async throws {
        let instance = try TestInstance()
        var options = TestInstance.Options(time: instance.epoch)
        options.withTimestamp = true
        let bundle = try instance.bundle(for: Self.artifact, options).bundle
        let root = try Self.root(instance)
        #expect(
            BundleVerifier.Thresholds.defaults(for: root) == .init(transparencyLogEntries: 1, timestamps: 0, signedCertificateTimestamps: 1)
        )
        #expect(await failure(bundle, BundleVerifier(trustedRoot: root)) == nil)
        let exactly = BundleVerifier.Thresholds(transparencyLogEntries: 1, timestamps: 1, signedCertificateTimestamps: 1)
        #expect(await failure(bundle, BundleVerifier(trustedRoot: root, thresholds: exactly)) == nil)

        var more = exactly
        more.transparencyLogEntries = 2
        #expect(
            await failure(bundle, BundleVerifier(trustedRoot: root, thresholds: more))
                == VerificationError(.transparencyLog, "the bundle has 1 log entries; 2 needed")
        )
        more = exactly
        more.timestamps = 2
        #expect(
            await failure(bundle, BundleVerifier(trustedRoot: root, thresholds: more))
                == VerificationError(.timestamp, "the bundle has 1 RFC 3161 timestamps; 2 needed")
        )
        more = exactly
        more.signedCertificateTimestamps = 2
        #expect(
            await failure(bundle, BundleVerifier(trustedRoot: root, thresholds: more))
                == VerificationError(.signedCertificateTimestamp, "the certificate has valid SCTs from 1 trusted CT logs; 2 needed")
        )
        // A timestamp required and absent.
        let untimed = try instance.bundle(for: Self.artifact, TestInstance.Options(time: instance.epoch)).bundle
        #expect(await failure(untimed, BundleVerifier(trustedRoot: root, thresholds: exactly))?.check == .timestamp)
        // At zero SCTs the certificate's SCT is not checked, even one from an unknown CT log.
        let noSCTs = BundleVerifier.Thresholds(transparencyLogEntries: 1, timestamps: 0, signedCertificateTimestamps: 0)
        let unknownCT = try Self.root(instance) { $0.setting("ctlogs", []) }
        #expect(await failure(untimed, BundleVerifier(trustedRoot: unknownCT, thresholds: noSCTs)) == nil)
        var withSCTs = noSCTs
        withSCTs.signedCertificateTimestamps = 1
        #expect(await failure(untimed, BundleVerifier(trustedRoot: unknownCT, thresholds: withSCTs))?.check == .signedCertificateTimestamp)
    }

    /// A root with a timestamp authority and no transparency logs (GitHub's private instance
    /// signs like that): bundles need a timestamp instead of a log entry, and one with neither
    /// is refused. A log entry such a root cannot check is refused, not ignored.
    @Test func timestampOnlyRootsRequireATimestamp() async throws {
        let instance = try TestInstance()
        let root = try Self.root(instance) { $0.setting("tlogs", []).setting("ctlogs", []) }
        #expect(
            BundleVerifier.Thresholds.defaults(for: root) == .init(transparencyLogEntries: 0, timestamps: 1, signedCertificateTimestamps: 0)
        )
        let verifier = BundleVerifier(trustedRoot: root)
        var options = TestInstance.Options(time: instance.epoch)
        options.withTimestamp = true
        let logged = try instance.bundle(for: Self.artifact, options).bundle
        let timestamped = logged.replacing(["verificationMaterial", "tlogEntries"]) { _ in [] }
        let result = try await verifier.verify(
            try SigstoreBundle(bytes: JSONWriter.prettyPrinted(timestamped)),
            artifact: .bytes(Self.artifact),
            policy: policy
        )
        #expect(result.verifiedTimes.map(\.source) == ["timestamp authority"])
        #expect(!result.checks.contains(.transparencyLog))
        #expect(!result.checks.contains(.signedCertificateTimestamp))

        let neither = try instance.bundle(for: Self.artifact, TestInstance.Options(time: instance.epoch)).bundle
            .replacing(["verificationMaterial", "tlogEntries"]) { _ in [] }
        #expect(await failure(neither, verifier) == VerificationError(.timestamp, "the bundle has 0 RFC 3161 timestamps; 1 needed"))
        #expect(await failure(logged, verifier)?.check == .transparencyLog)
    }

    /// Two deployments, A and B, trusted at once. A bundle whose certificate A's authority
    /// issued is verified against A alone: a log entry or a timestamp that only B trusts does
    /// not vouch for it, though the union of both roots would accept it.
    @Test func eachBundleIsVerifiedAgainstTheRootOfItsCertificateAuthority() async throws {
        let a = try TestInstance()
        let b = try TestInstance()
        let both = SignedEntityVerifier(trustedMaterial: TrustedRootSet([try Self.root(a), try Self.root(b)]))
        // Each deployment's own bundles verify under the pair.
        for instance in [a, b] {
            var options = TestInstance.Options(time: instance.epoch)
            options.withTimestamp = true
            #expect(await failure(try instance.bundle(for: Self.artifact, options).bundle, both) == nil)
        }
        // What a verifier that pooled both roots would trust: A's authorities, both logs and TSAs.
        let other = try JSONParser().parse(b.trustedRoot())
        let union = BundleVerifier(
            trustedRoot: try Self.root(a) { root in
                var pooled = root
                for list in ["tlogs", "timestampAuthorities"] {
                    guard case .array(let mine)? = root.at([list]), case .array(let theirs)? = other.at([list]) else { continue }
                    pooled = pooled.setting(list, .array(mine + theirs))
                }
                return pooled
            }
        )

        // A's certificate, logged and timestamped by B.
        let key = P256.Signing.PrivateKey()
        var options = TestInstance.Options(time: a.epoch)
        options.signingKey = key
        options.certificate = try a.issue(to: Certificate.PublicKey(key.publicKey), at: a.epoch)
        options.withTimestamp = true
        let loggedByB = try b.bundle(for: Self.artifact, options).bundle
        #expect(await failure(loggedByB, union) == nil)
        #expect(await failure(loggedByB, both)?.check == .transparencyLog)

        // A's certificate and log, with only B's timestamp for a time (the entry has no SET).
        options.withTimestamp = false
        options.withSET = false
        var timestampedByB = try a.bundle(for: Self.artifact, options).bundle
        let signature = try #require(timestampedByB.at(["messageSignature", "signature"])?.stringValue.flatMap { Data(base64Encoded: $0) })
        let token = try b.timestamp(sha256: Array(SHA256.hash(data: signature)), nonce: nil, at: a.epoch.addingTimeInterval(2))
        timestampedByB = timestampedByB.setting(
            "verificationMaterial",
            timestampedByB.at(["verificationMaterial"])!.setting(
                "timestampVerificationData",
                ["rfc3161Timestamps": [["signedTimestamp": .string(Data(token).base64EncodedString())]]]
            )
        )
        #expect(await failure(timestampedByB, union) == nil)
        #expect(await failure(timestampedByB, both)?.check == .timestamp)

        // A certificate from neither deployment's authority.
        let rogue = try TestInstance()
        let foreign = try rogue.bundle(for: Self.artifact, TestInstance.Options(time: rogue.epoch)).bundle
        #expect(await failure(foreign, both)?.reason.hasPrefix("no trusted root has the certificate authority that issued") == true)
    }

    @Test func clientTrustConfigsAreReadWhereverATrustedRootIs() throws {
        let instance = try TestInstance()
        let root = try JSONParser().parse(instance.trustedRoot())
        let signingConfig: JSONValue = ["mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json", "rekorTlogUrls": []]
        let config: JSONValue = [
            "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json", "trustedRoot": root, "signingConfig": signingConfig,
        ]
        let bytes = JSONWriter.prettyPrinted(config)
        let fromConfig = try TrustedRoot(bytes: bytes)
        let direct = try TrustedRoot(bytes: instance.trustedRoot())
        #expect(fromConfig.transparencyLogs.map(\.logID) == direct.transparencyLogs.map(\.logID))
        #expect(fromConfig.certificateAuthorities.count == direct.certificateAuthorities.count)
        let parsed = try ClientTrustConfig(bytes: bytes)
        #expect(try parsed.signingConfig.map { try JSONParser().parse($0) } == signingConfig)
        // The trusted root inside is held to the same rules.
        let broken = config.replacing(["trustedRoot", "mediaType"]) { _ in "application/other" }
        #expect(throws: VerificationError(.trustedRoot, "unknown media type application/other")) {
            try TrustedRoot(bytes: JSONWriter.prettyPrinted(broken))
        }
        #expect(throws: VerificationError.self) { try ClientTrustConfig(bytes: instance.trustedRoot()) }
    }

    /// Something that is not bundle JSON, made of its parts, verifies through the same steps.
    @Test func anySignedEntityVerifies() async throws {
        struct Parts: SignedEntity {
            var certificates: [Certificate]
            var content: SigstoreBundle.Content
            var transparencyLogEntries: [TransparencyLogEntry]
            var timestamps: [[UInt8]]
        }
        let instance = try TestInstance()
        let bundle = try SigstoreBundle(
            bytes: JSONWriter.prettyPrinted(try instance.bundle(for: Self.artifact, TestInstance.Options(time: instance.epoch)).bundle)
        )
        var parts = Parts(
            certificates: bundle.certificates,
            content: bundle.content,
            transparencyLogEntries: bundle.transparencyLogEntries,
            timestamps: bundle.timestamps
        )
        let verifier = BundleVerifier(trustedRoot: try Self.root(instance))
        let result = try await verifier.verify(parts, artifact: .bytes(Self.artifact), policy: policy)
        #expect(result.checks.contains(.signature))
        // Each step on its own.
        let signer = try verifier.signingMaterial(of: parts, policy: policy)
        let logs = try verifier.verifyTransparencyLogEntries(
            of: parts,
            signer: signer,
            artifact: ArtifactDigests(.bytes(Self.artifact)),
            now: Date()
        )
        #expect(logs.verifiedTimes.count == 1)
        #expect(
            try await verifier.verifyCertificate(bundle.certificates[0], at: logs.verifiedTimes) == [
                .certificateChain, .signedCertificateTimestamp,
            ]
        )
        #expect(try verifier.verifySignature(of: parts, signer: signer, artifact: ArtifactDigests(.bytes(Self.artifact))) == nil)
        await #expect(throws: VerificationError.self) {
            try await verifier.verify(parts, artifact: .bytes(Self.artifact + [0]), policy: policy)
        }
        parts.transparencyLogEntries = []
        await #expect(throws: VerificationError(.transparencyLog, "the bundle has 0 log entries; 1 needed")) {
            try await verifier.verify(parts, artifact: .bytes(Self.artifact), policy: policy)
        }
    }
}
