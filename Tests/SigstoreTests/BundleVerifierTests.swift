import Crypto
import CryptoExtras
import Foundation
import SwiftASN1
import TUF
import TestSupport
import Testing
import X509

@testable import Sigstore

/// Bundles built by the in-memory test instance: each valid one verifies, and each single
/// change is refused by the check it breaks.
@Suite("Bundle verification")
struct BundleVerifierTests {
    static let artifact = Array("the artifact\n".utf8)

    let instance: TestInstance
    let verifier: BundleVerifier
    let policy = BundleVerifier.Policy.identity(IdentityPolicy(identity: .exact(TestInstance.identity), issuer: TestInstance.issuerURL))

    init() throws {
        instance = try TestInstance()
        verifier = BundleVerifier(trustedRoot: try TrustedRoot(bytes: instance.trustedRoot()))
    }

    var options: TestInstance.Options { TestInstance.Options(time: instance.epoch) }

    /// Verifies `bundle`; returns the check that refused it, or nil when it verified.
    func failedCheck(
        _ bundle: JSONValue,
        artifact: BundleVerifier.Artifact = .bytes(BundleVerifierTests.artifact),
        policy: BundleVerifier.Policy? = nil,
        verifier: BundleVerifier? = nil
    ) async -> VerificationError.Check? {
        do {
            let parsed = try SigstoreBundle(bytes: JSONWriter.prettyPrinted(bundle))
            try await (verifier ?? self.verifier).verify(parsed, artifact: artifact, policy: policy ?? self.policy)
            return nil
        } catch {
            if ProcessInfo.processInfo.environment["TRUSTROOT_TEST_VERBOSE"] != nil { print("refused: \(error)") }
            return error.check
        }
    }

    /// The protobuf JSON mapping lets a reader accept a field's original snake_case name.
    @Test func snakeCaseFieldNamesAreRead() async throws {
        func snakeCased(_ value: JSONValue) throws -> JSONValue {
            switch value {
            case .object(let object):
                return .object(
                    try JSONObject(
                        members: try object.members.map { name, member in
                            let snake = name.unicodeScalars.map {
                                $0.properties.isUppercase ? "_" + $0.description.lowercased() : $0.description
                            }
                            return (snake.joined(), name == "mediaType" ? member : try snakeCased(member))
                        }
                    )
                )
            case .array(let elements): return .array(try elements.map(snakeCased))
            default: return value
            }
        }
        var timestamped = options
        timestamped.withTimestamp = true
        let bundle = try snakeCased(try instance.bundle(for: Self.artifact, timestamped).bundle)
        #expect(String(decoding: JSONWriter.prettyPrinted(bundle), as: UTF8.self).contains("\"tlog_entries\""))
        #expect(await failedCheck(bundle) == nil)
    }

    /// P-384 and P-521 leaves sign the digest their scheme prescribes: the entry records it
    /// (hashedrekord `sha384`/`sha512`), so does the bundle's message digest, and a verifier
    /// given only another digest says which one it needs.
    @Test(arguments: ["p384", "p521"])
    func digestsFollowTheKeysAlgorithm(curve: String) async throws {
        var leaf = options
        leaf.leafKey = curve == "p384" ? .p384(P384.Signing.PrivateKey()) : .p521(P521.Signing.PrivateKey())
        let (_, _, digest) = leaf.leafKey!.digest(Self.artifact)
        let message = try instance.bundle(for: Self.artifact, leaf).bundle
        #expect(await failedCheck(message) == nil)
        let given: BundleVerifier.Artifact = curve == "p384" ? .sha384(digest) : .sha512(digest)
        #expect(await failedCheck(message, artifact: given) == nil)
        #expect(await failedCheck(message, artifact: .sha256(Array(SHA256.hash(data: Self.artifact)))) == .entryBody)
        #expect(await failedCheck(message, artifact: .bytes(Self.artifact + [0x0a])) == .entryBody)

        // The message digest must be the artifact's, by the algorithm it names.
        let otherDigest = message.replacing(["messageSignature", "messageDigest", "digest"]) { _ in
            .string(Data(SHA512.hash(data: Self.artifact + [0x0a]).prefix(digest.count)).base64EncodedString())
        }
        #expect(await failedCheck(otherDigest) == .signature)
        let unknown = message.replacing(["messageSignature", "messageDigest", "algorithm"]) { _ in "MD5" }
        #expect(await failedCheck(unknown) == .signature)

        var dsse = leaf
        dsse.dsse = true
        #expect(await failedCheck(try instance.bundle(for: Self.artifact, dsse).bundle) == nil)
    }

    /// Ed25519 and RSA certificate keys sign the artifact itself: the bundle verifies given
    /// the artifact, is refused given only a digest (with the reason), and a signature by
    /// another key of the same type is refused.
    @Test(arguments: ["ed25519", "rsa"])
    func ed25519AndRSALeavesSignTheArtifact(type: String) async throws {
        func leafKey() throws -> TestInstance.LeafKey {
            type == "rsa" ? .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048)) : .ed25519(Curve25519.Signing.PrivateKey())
        }
        var leaf = options
        leaf.leafKey = try leafKey()
        let message = try instance.bundle(for: Self.artifact, leaf).bundle
        #expect(await failedCheck(message) == nil)
        #expect(await failedCheck(message, artifact: .sha256(Array(SHA256.hash(data: Self.artifact)))) == .signature)
        #expect(await failedCheck(message, artifact: .bytes(Self.artifact + [0x0a])) == .entryBody)
        var forged = leaf
        forged.signatureOverride = try leafKey().signature(for: Self.artifact)
        #expect(await failedCheck(try instance.bundle(for: Self.artifact, forged).bundle) == .signature)
        var dsse = leaf
        dsse.dsse = true
        #expect(await failedCheck(try instance.bundle(for: Self.artifact, dsse).bundle) == nil)
    }

    /// RFC 3161 tokens name their imprint's hash: SHA-256, SHA-384 and SHA-512 imprints all
    /// verify, also side by side in one bundle; an imprint over another signature does not.
    @Test func timestampImprintsOfEveryHashVerify() async throws {
        var timestamped = options
        timestamped.withTimestamp = true
        timestamped.timestampImprints = ["sha256", "sha512"]
        #expect(await failedCheck(try instance.bundle(for: Self.artifact, timestamped).bundle) == nil)
        timestamped.timestampImprints = ["sha384"]
        timestamped.withSET = false
        timestamped.withInclusionProof = true
        #expect(await failedCheck(try instance.bundle(for: Self.artifact, timestamped).bundle) == nil)
        let bundle = try instance.bundle(for: Self.artifact, timestamped).bundle
        let other = try instance.timestamp(
            sha256: Array(SHA384.hash(data: [1, 2, 3])),
            nonce: nil,
            at: instance.epoch.addingTimeInterval(2),
            imprintAlgorithm: "2.16.840.1.101.3.4.2.2"
        )
        let wrong = bundle.replacing(["verificationMaterial", "timestampVerificationData", "rfc3161Timestamps", 0, "signedTimestamp"]) {
            _ in
            .string(Data(other).base64EncodedString())
        }
        #expect(await failedCheck(wrong) == .timestamp)
    }

    /// A DSSE bundle whose entry is a dsse 0.0.2 body is refused by name, as the reference
    /// clients refuse it: Rekor v2 logs envelopes as hashedrekord 0.0.2.
    @Test func dsseV002EntriesAreRefused() async throws {
        var dsse = options
        dsse.dsse = true
        let json = try instance.bundle(for: Self.artifact, dsse).bundle
        let entry: [Any] = ["verificationMaterial", "tlogEntries", 0]
        let body: JSONValue = ["apiVersion": "0.0.2", "kind": "dsse", "spec": ["dsseV002": [:]]]
        let relabelled = json.replacing(entry + ["kindVersion", "version"]) { _ in "0.0.2" }
            .replacing(entry + ["canonicalizedBody"]) { _ in .string(Data(JSONWriter.prettyPrinted(body)).base64EncodedString()) }
        let bundle = try SigstoreBundle(bytes: JSONWriter.prettyPrinted(relabelled))
        await #expect(
            throws: VerificationError(
                .entryBody,
                "a dsse 0.0.2 entry is not accepted: Rekor v2 logs DSSE envelopes as hashedrekord 0.0.2 entries"
            )
        ) {
            try await verifier.verify(bundle, artifact: .bytes(Self.artifact), policy: policy)
        }
    }

    @Test func validBundlesVerify() async throws {
        let message = try instance.bundle(for: Self.artifact, options).bundle
        #expect(await failedCheck(message) == nil)
        #expect(await failedCheck(message, artifact: .sha256(Array(SHA256.hash(data: Self.artifact)))) == nil)
        var dsse = options
        dsse.dsse = true
        #expect(await failedCheck(try instance.bundle(for: Self.artifact, dsse).bundle) == nil)
        var timestamped = options
        timestamped.withTimestamp = true
        #expect(await failedCheck(try instance.bundle(for: Self.artifact, timestamped).bundle) == nil)
        // A timestamp alone is enough time evidence, as for Rekor v2 entries.
        timestamped.withSET = false
        #expect(await failedCheck(try instance.bundle(for: Self.artifact, timestamped).bundle) == nil)
        let key = P256.Signing.PrivateKey()
        var managed = options
        managed.managedKey = key
        let managedBundle = try instance.bundle(for: Self.artifact, managed).bundle
        #expect(await failedCheck(managedBundle, policy: .key(.p256(key.publicKey))) == nil)
    }

    @Test func eachLogEntryChangeIsRefusedByItsCheck() async throws {
        let bundle = try instance.bundle(for: Self.artifact, options).bundle
        let entry: [Any] = ["verificationMaterial", "tlogEntries", 0]
        func flipBase64(_ value: JSONValue) -> JSONValue {
            guard var bytes = value.stringValue.flatMap({ Data(base64Encoded: $0) }).map(Array.init) else { return value }
            bytes[bytes.count / 2] ^= 0x01
            return .string(Data(bytes).base64EncodedString())
        }
        // An inclusion-proof hash with one bit flipped.
        #expect(await failedCheck(bundle.replacing(entry + ["inclusionProof", "hashes", 0], flipBase64)) == .inclusionProof)
        // A root hash that is not the proof's: the proof no longer leads to it.
        #expect(await failedCheck(bundle.replacing(entry + ["inclusionProof", "rootHash"], flipBase64)) == .inclusionProof)
        // The signed entry timestamp altered.
        #expect(
            await failedCheck(bundle.replacing(entry + ["inclusionPromise", "signedEntryTimestamp"], flipBase64)) == .signedEntryTimestamp
        )
        // The integrated time changed: the SET no longer covers it.
        #expect(await failedCheck(bundle.replacing(entry + ["integratedTime"]) { _ in "1700000100" }) == .signedEntryTimestamp)
        // A log the trusted root does not know.
        #expect(await failedCheck(bundle.replacing(entry + ["logId", "keyId"], flipBase64)) == .transparencyLog)
        // A body about another artifact.
        #expect(await failedCheck(bundle.replacing(entry + ["canonicalizedBody"], flipBase64)) != nil)
        // A negative log index.
        #expect(await failedCheck(bundle.replacing(entry + ["logIndex"]) { _ in "-1" }) == .bundle)

        // A checkpoint signed by another key, or carrying another key's hint.
        let size = instance.leaves.count
        let root = instance.tree.rootHash
        let foreign = try instance.checkpoint(size: size, rootHash: root, key: P256.Signing.PrivateKey())
        #expect(
            await failedCheck(bundle.replacing(entry + ["inclusionProof", "checkpoint", "envelope"]) { _ in .string(foreign) })
                == .checkpoint
        )
        let badHint = try instance.checkpoint(size: size, rootHash: root, hint: [1, 2, 3, 4])
        #expect(
            await failedCheck(bundle.replacing(entry + ["inclusionProof", "checkpoint", "envelope"]) { _ in .string(badHint) })
                == .checkpoint
        )
        // A valid checkpoint for another tree.
        let other = try instance.checkpoint(size: size, rootHash: Array(repeating: 7, count: 32))
        #expect(
            await failedCheck(bundle.replacing(entry + ["inclusionProof", "checkpoint", "envelope"]) { _ in .string(other) }) == .checkpoint
        )
    }

    /// The SET is checked over the bundle's own base64 text of the body only while that text is
    /// the body's standard encoding: other spellings are encoded again, and a body changed after
    /// reading is never checked against the text it replaced.
    @Test func signedEntryTimestampCoversTheBodyAsItIsNow() async throws {
        let json = try instance.bundle(for: Self.artifact, options).bundle
        let entry: [Any] = ["verificationMaterial", "tlogEntries", 0]
        var bundle = try SigstoreBundle(bytes: JSONWriter.prettyPrinted(json))
        let body = bundle.transparencyLogEntries[0].canonicalizedBody
        #expect(bundle.transparencyLogEntries[0].canonicalizedBodyBase64 == Data(body).base64EncodedString())
        try await verifier.verify(bundle, artifact: .bytes(Self.artifact), policy: policy)

        // The body in URL-safe base64 without padding: read, not kept, and the SET still verifies.
        let urlSafe = json.replacing(entry + ["canonicalizedBody"]) { value in
            .string(
                value.stringValue!.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                    .replacingOccurrences(of: "=", with: "")
            )
        }
        let respelled = try SigstoreBundle(bytes: JSONWriter.prettyPrinted(urlSafe))
        #expect(respelled.transparencyLogEntries[0].canonicalizedBody == body)
        #expect(respelled.transparencyLogEntries[0].canonicalizedBodyBase64 == nil)
        #expect(await failedCheck(urlSafe) == nil)

        // Without the inclusion proof, the SET is what covers the body. The same body set again
        // drops the text and still verifies; a body that reads the same but is other bytes (a
        // space appended) is refused by the SET, not passed on the text it replaced.
        bundle.transparencyLogEntries[0].inclusionProof = nil
        bundle.transparencyLogEntries[0].canonicalizedBody = body
        #expect(bundle.transparencyLogEntries[0].canonicalizedBodyBase64 == nil)
        try await verifier.verify(bundle, artifact: .bytes(Self.artifact), policy: policy)
        var changed = try SigstoreBundle(bytes: JSONWriter.prettyPrinted(json))
        changed.transparencyLogEntries[0].inclusionProof = nil
        try await verifier.verify(changed, artifact: .bytes(Self.artifact), policy: policy)
        changed.transparencyLogEntries[0].canonicalizedBody.append(UInt8(ascii: " "))
        #expect(changed.transparencyLogEntries[0].canonicalizedBodyBase64 == nil)
        do {
            try await verifier.verify(changed, artifact: .bytes(Self.artifact), policy: policy)
            Issue.record("a body the SET does not cover verified")
        } catch {
            #expect(error.check == .signedEntryTimestamp)
        }
    }

    @Test func entryBodyMustRecordThisBundle() async throws {
        // The log recorded another artifact's digest.
        var options = self.options
        options.loggedArtifact = Array("something else".utf8)
        #expect(await failedCheck(try instance.bundle(for: Self.artifact, options).bundle) == .entryBody)
        // The bundle's signature is replaced by another valid-looking one.
        let bundle = try instance.bundle(for: Self.artifact, self.options).bundle
        let otherSignature = Array(try P256.Signing.PrivateKey().signature(for: Self.artifact).derRepresentation)
        let swapped = bundle.replacing(["messageSignature", "signature"]) { _ in .string(Data(otherSignature).base64EncodedString()) }
        #expect(await failedCheck(swapped) == .entryBody)
        // The artifact is not the one signed.
        #expect(await failedCheck(bundle, artifact: .bytes(Array("another artifact".utf8))) == .entryBody)
    }

    /// The certificate a log entry's body records is compared with the bundle's by its bytes,
    /// whether the PEM's text matches the bundle's text or has to be decoded.
    @Test func entryBodyVerifierIsComparedByItsBytes() throws {
        let bundle = try SigstoreBundle(bytes: JSONWriter.prettyPrinted(try instance.bundle(for: Self.artifact, options).bundle))
        let entry = bundle.transparencyLogEntries[0]
        let der = try #require(bundle.leafCertificateDER)
        #expect(bundle.leafCertificateBase64.flatMap { Base64.decode(String(decoding: $0, as: UTF8.self)) } == der)
        let expectation = LogEntryBody.Expectation(
            verifierDER: der,
            verifierBase64: bundle.leafCertificateBase64,
            content: bundle.content,
            artifact: ArtifactDigests(.bytes(Self.artifact))
        )
        func withVerifier(_ pem: String) throws -> TransparencyLogEntry {
            let body = try JSONParser().parse(entry.canonicalizedBody)
            var changed = entry
            changed.canonicalizedBody = JSONWriter.prettyPrinted(
                body.replacing(["spec", "signature", "publicKey", "content"]) { _ in .string(Data(pem.utf8).base64EncodedString()) }
            )
            return changed
        }
        func failedCheck(_ entry: TransparencyLogEntry, _ expectation: LogEntryBody.Expectation) -> VerificationError.Check? {
            do {
                try LogEntryBody.check(entry, expectation)
                return nil
            } catch {
                return error.check
            }
        }
        var withoutText = expectation
        withoutText.verifierBase64 = nil
        var respelled = expectation
        respelled.verifierBase64 = Array(
            Data(der).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "").utf8
        )
        // As logged, and wrapped otherwise (76 characters, CRLF): the same text once line breaks go.
        let rewrapped = Data(der).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        for logged in [entry, try withVerifier("-----BEGIN CERTIFICATE-----\r\n\(rewrapped)\r\n-----END CERTIFICATE-----\r\n")] {
            // The bundle's text in another spelling, or none: the decoded bytes are compared.
            for expected in [expectation, withoutText, respelled] { #expect(failedCheck(logged, expected) == nil) }
        }
        // Another certificate, or a block that is not base64: refused however compared.
        var other = der
        other[other.count / 2] ^= 0x01
        let otherPEM = try withVerifier(PEM.encode(label: "CERTIFICATE", der: other))
        let notBase64 = try withVerifier(
            "-----BEGIN CERTIFICATE-----\n\(Data(der).base64EncodedString().dropLast(2))!!\n-----END CERTIFICATE-----\n"
        )
        for expected in [expectation, withoutText, respelled] {
            #expect(failedCheck(otherPEM, expected) == .entryBody)
            #expect(failedCheck(notBase64, expected) == .entryBody)
        }
    }

    @Test func timesAndCertificatesAreChecked() async throws {
        // Integrated after the ten-minute certificate expired.
        var late = options
        late.integratedTime = instance.epoch.addingTimeInterval(3600)
        #expect(await failedCheck(try instance.bundle(for: Self.artifact, late).bundle) == .certificateChain)
        // Integrated in the future.
        var future = options
        future.integratedTime = Date().addingTimeInterval(86_400)
        future.time = Date().addingTimeInterval(86_400 - 1)
        #expect(await failedCheck(try instance.bundle(for: Self.artifact, future).bundle) == .integratedTime)
        // No SET and no timestamp: nothing says when the signature existed.
        var timeless = options
        timeless.withSET = false
        #expect(await failedCheck(try instance.bundle(for: Self.artifact, timeless).bundle) == .verifiedTime)
        // A certificate from a CA the trusted root does not list.
        var rogue = options
        let key = P256.Signing.PrivateKey()
        rogue.certificate = try instance.issue(
            to: Certificate.PublicKey(key.publicKey),
            at: instance.epoch,
            signedBy: P384.Signing.PrivateKey()
        )
        rogue.signatureOverride = Array(try key.signature(for: Self.artifact).derRepresentation)
        #expect(await failedCheck(try instance.bundle(for: Self.artifact, rogue).bundle) == .certificateChain)
        // An SCT from a CT log the trusted root does not list.
        var unlogged = options
        let sctKey = P256.Signing.PrivateKey()
        let certificateKey = P256.Signing.PrivateKey()
        unlogged.certificate = try instance.issue(to: Certificate.PublicKey(certificateKey.publicKey), at: instance.epoch, sctKey: sctKey)
        unlogged.signatureOverride = Array(try certificateKey.signature(for: Self.artifact).derRepresentation)
        #expect(await failedCheck(try instance.bundle(for: Self.artifact, unlogged).bundle) == .signedCertificateTimestamp)
    }

    @Test func signaturesAndIdentitiesAreChecked() async throws {
        // Logged as it is, but not a signature over the artifact.
        var wrong = options
        wrong.signatureOverride = Array(try P256.Signing.PrivateKey().signature(for: Self.artifact).derRepresentation)
        #expect(await failedCheck(try instance.bundle(for: Self.artifact, wrong).bundle) == .signature)
        var wrongEnvelope = wrong
        wrongEnvelope.dsse = true
        #expect(await failedCheck(try instance.bundle(for: Self.artifact, wrongEnvelope).bundle) == .envelope)
        // A statement about another artifact.
        var otherSubject = options
        otherSubject.dsse = true
        otherSubject.loggedArtifact = Array("another".utf8)
        #expect(await failedCheck(try instance.bundle(for: Self.artifact, otherSubject).bundle) == .envelope)

        let bundle = try instance.bundle(for: Self.artifact, options).bundle
        let otherIdentity = IdentityPolicy(
            identity: .exact("https://github.com/example/other/.github/workflows/release.yml@refs/heads/main"),
            issuer: TestInstance.issuerURL
        )
        #expect(await failedCheck(bundle, policy: .identity(otherIdentity)) == .identity)
        let otherIssuer = IdentityPolicy(identity: .exact(TestInstance.identity), issuer: "https://accounts.example")
        #expect(await failedCheck(bundle, policy: .identity(otherIssuer)) == .identity)
        let pattern = IdentityPolicy(identity: .regularExpression("https://github\\.com/example/.*"), issuer: TestInstance.issuerURL)
        #expect(await failedCheck(bundle, policy: .identity(pattern)) == nil)
        // A pattern must match the whole identity.
        let partial = IdentityPolicy(identity: .regularExpression("example/project"), issuer: TestInstance.issuerURL)
        #expect(await failedCheck(bundle, policy: .identity(partial)) == .identity)
        // Issuers (UTF8String, unlike the ASCII-only URI and email SANs) compare by their bytes:
        // a decomposed "é" is not a precomposed one.
        var accented = options
        accented.issuer = "https://caf\u{E9}.example"
        let accentedBundle = try instance.bundle(for: Self.artifact, accented).bundle
        let sameBytes = IdentityPolicy(identity: .exact(TestInstance.identity), issuer: "https://caf\u{E9}.example")
        #expect(await failedCheck(accentedBundle, policy: .identity(sameBytes)) == nil)
        let decomposed = IdentityPolicy(identity: .exact(TestInstance.identity), issuer: "https://cafe\u{301}.example")
        #expect(decomposed.issuer == accented.issuer)
        #expect(await failedCheck(accentedBundle, policy: .identity(decomposed)) == .identity)
        // A managed key that is not the bundle's.
        var managed = options
        managed.managedKey = P256.Signing.PrivateKey()
        let managedBundle = try instance.bundle(for: Self.artifact, managed).bundle
        #expect(await failedCheck(managedBundle, policy: .key(.p256(P256.Signing.PrivateKey().publicKey))) == .entryBody)
        // A certificate bundle offered to a key policy, and the reverse.
        #expect(await failedCheck(bundle, policy: .key(.p256(P256.Signing.PrivateKey().publicKey))) == .key)
        #expect(await failedCheck(managedBundle) == .identity)
    }

    @Test func identityPatternsMatchTheWholeIdentityAndControlCharactersAreRefused() async throws {
        let email = "alice@example.com"
        let anchored = IdentityPolicy(identity: .regularExpression("alice@example\\.com"), issuer: TestInstance.issuerURL)
        let branch = IdentityPolicy(
            identity: .regularExpression("https://github\\.com/example/.*@refs/heads/main"),
            issuer: TestInstance.issuerURL
        )
        func bundle(_ identity: String) throws -> JSONValue {
            var options = self.options
            options.identity = identity
            return try instance.bundle(for: Self.artifact, options).bundle
        }
        #expect(await failedCheck(try bundle(email), policy: .identity(anchored)) == nil)
        #expect(await failedCheck(try bundle(TestInstance.identity), policy: .identity(branch)) == nil)
        // `$` would match before a final line break; these identities must not pass.
        for ending in ["\n", "\r\n", "\r", "\u{0B}", "\u{0C}", "\u{7F}"] {
            #expect(
                await failedCheck(try bundle(email + ending), policy: .identity(anchored)) == .identity,
                "\(ending.unicodeScalars.map(\.value))"
            )
            #expect(await failedCheck(try bundle(TestInstance.identity + ending), policy: .identity(branch)) == .identity)
            let exact = IdentityPolicy(identity: .exact(email + ending), issuer: TestInstance.issuerURL)
            #expect(await failedCheck(try bundle(email + ending), policy: .identity(exact)) == .identity)
        }
        // A pattern that only compiles inside the wrapper would break out of it and match anything.
        for escape in ["x)|(.*", ".*)|(", "\\Q.*"] {
            let broken = IdentityPolicy(identity: .regularExpression(escape), issuer: TestInstance.issuerURL)
            #expect(await failedCheck(try bundle(email), policy: .identity(broken)) == .identity, "\(escape)")
        }
        // Alternatives: the whole identity must match one of them, not a prefix.
        let alternatives = IdentityPolicy(identity: .regularExpression("alice|alice@example\\.com"), issuer: TestInstance.issuerURL)
        #expect(await failedCheck(try bundle(email), policy: .identity(alternatives)) == nil)
        let prefixOnly = IdentityPolicy(identity: .regularExpression("alice|bob"), issuer: TestInstance.issuerURL)
        #expect(await failedCheck(try bundle(email), policy: .identity(prefixOnly)) == .identity)
    }

    /// A verifier whose trusted root is the instance's with `edit` applied to its JSON.
    func verifier(editingRoot edit: (JSONValue) -> JSONValue) throws -> BundleVerifier {
        let root = try JSONParser().parse(instance.trustedRoot())
        return BundleVerifier(trustedRoot: try TrustedRoot(bytes: JSONWriter.prettyPrinted(edit(root))))
    }

    /// The validity period `{start, end}` in the trusted root's form.
    func window(from start: TimeInterval, to end: TimeInterval?) -> JSONValue {
        var period: JSONValue = ["start": .string(MetadataDate.format(instance.epoch.addingTimeInterval(start)))]
        if let end { period = period.setting("end", .string(MetadataDate.format(instance.epoch.addingTimeInterval(end)))) }
        return period
    }

    /// A log (transparency or CT) listed twice, first with a window that ended before the
    /// bundle, then with the current one: the current one is used.
    @Test func aRotatedLogKeyIsPickedByItsValidityWindow() async throws {
        let day: TimeInterval = 86_400
        for list in ["tlogs", "ctlogs"] {
            let listedTwice = try verifier { root in
                root.replacing([list]) { logs in
                    let current = logs.arrayValue![0]
                    let expired = current.replacing(["publicKey", "validFor"]) { _ in self.window(from: -400 * day, to: -300 * day) }
                    return .array([expired, current])
                }
            }
            let bundle = try instance.bundle(for: Self.artifact, options).bundle
            #expect(await failedCheck(bundle, verifier: listedTwice) == nil, "\(list)")
            // Only the expired listing: refused.
            let onlyExpired = try verifier { root in
                root.replacing([list, 0, "publicKey", "validFor"]) { _ in self.window(from: -400 * day, to: -300 * day) }
            }
            #expect(await failedCheck(bundle, verifier: onlyExpired) != nil, "\(list)")
        }
    }

    /// A checkpoint-only entry (as Rekor v2 writes, with no signed time) is accepted only
    /// when its log key was valid at the bundle's verified (timestamp) time.
    @Test func checkpointsAreHeldToTheLogKeysValidity() async throws {
        let day: TimeInterval = 86_400
        var options = self.options
        options.withSET = false
        options.withTimestamp = true
        let bundle = try instance.bundle(for: Self.artifact, options).bundle
        #expect(await failedCheck(bundle) == nil)
        for (start, end) in [(day, nil), (-300 * day, -day)] as [(TimeInterval, TimeInterval?)] {
            let outside = try verifier { root in
                root.replacing(["tlogs", 0, "publicKey", "validFor"]) { _ in self.window(from: start, to: end) }
            }
            #expect(await failedCheck(bundle, verifier: outside) == .transparencyLog, "\(start) \(String(describing: end))")
        }
        // With a SET too, the checkpoint's key must be valid at the integrated time.
        let withSET = try instance.bundle(for: Self.artifact, self.options).bundle
        let later = try verifier { root in root.replacing(["tlogs", 0, "publicKey", "validFor"]) { _ in self.window(from: day, to: nil) } }
        #expect(await failedCheck(withSET, verifier: later) != nil)
    }

    /// What sigstore-go and sigstore-python refuse is refused here too, each by a named check.
    @Test func whatTheReferenceClientsRefuseIsRefused() async throws {
        func bundle(_ edit: @escaping ([Certificate.Extension]) throws -> [Certificate.Extension]) throws -> JSONValue {
            let key = P256.Signing.PrivateKey()
            var options = self.options
            options.certificate = try instance.issue(to: Certificate.PublicKey(key.publicKey), at: instance.epoch, editExtensions: edit)
            options.signingKey = key
            return try instance.bundle(for: Self.artifact, options).bundle
        }
        #expect(await failedCheck(try bundle { $0 }) == nil)
        // A signing certificate that is a CA.
        let authority = try bundle {
            $0 + [try Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: nil), critical: true)]
        }
        #expect(await failedCheck(authority) == .certificateChain)
        // Issuer extensions that disagree, and a .8 value that is not a DER UTF8String.
        func replacing(_ oid: ASN1ObjectIdentifier, with value: String) -> ([Certificate.Extension]) -> [Certificate.Extension] {
            { extensions in
                extensions.map { $0.oid == oid ? Certificate.Extension(oid: oid, critical: false, value: ArraySlice(value.utf8)) : $0 }
            }
        }
        let disagreeing = try bundle(replacing(FulcioCertificate.issuerV1, with: "https://evil.example"))
        #expect(await failedCheck(disagreeing) == .identity)
        let rawV2 = try bundle(replacing(FulcioCertificate.issuerV2, with: TestInstance.issuerURL))
        #expect(await failedCheck(rawV2) == .identity)

        let valid = try instance.bundle(for: Self.artifact, options).bundle
        // A v0.3 bundle with a certificate chain instead of a certificate.
        let certificate = try #require(valid.at(["verificationMaterial", "certificate"]))
        let chained = valid.replacing(["verificationMaterial"]) { material in
            material.setting("certificate", .null).setting("x509CertificateChain", ["certificates": [certificate]])
        }
        #expect(await failedCheck(chained) == .bundle)
        // An in-toto statement names its predicate type as predicateType only.
        var snakeStatement = options
        snakeStatement.dsse = true
        snakeStatement.predicateTypeField = "predicate_type"
        let parsed = try SigstoreBundle(bytes: JSONWriter.prettyPrinted(try instance.bundle(for: Self.artifact, snakeStatement).bundle))
        let result = try await verifier.verify(parsed, artifact: .bytes(Self.artifact), policy: policy)
        #expect(result.predicateType == nil)
        // The same field under both its JSON and its snake_case name.
        let material = try #require(valid.at(["verificationMaterial"]))
        #expect(await failedCheck(valid.setting("verification_material", material)) == .bundle)
    }

    @Test func timestampsWithImpossibleOffsetsAreRefused() {
        #expect(ProtoTimestamp.parse("2026-01-01T00:00:00+01:30") != nil)
        for text in ["2026-01-01T00:00:00-99:99", "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00+00:60"] {
            #expect(ProtoTimestamp.parse(text) == nil, "\(text)")
        }
    }

    @Test func terminalTextEscapesEveryControlCharacter() {
        #expect(TerminalText.escaped("plain text, é and ✓") == "plain text, é and ✓")
        #expect(TerminalText.escaped("a\nb\rc\td") == "a\\nb\\rc\\td")
        #expect(TerminalText.escaped("\u{1B}[2J\u{7F}\u{85}\u{202E}\u{2028}") == "\\u{1b}[2J\\u{7f}\\u{85}\\u{202e}\\u{2028}")
        #expect(TerminalText.escapedLines("one\ntwo\u{1B}\n") == "one\ntwo\\u{1b}\n")
    }

    @Test func timestampsAreChecked() async throws {
        var options = self.options
        options.withTimestamp = true
        options.withSET = false
        let bundle = try instance.bundle(for: Self.artifact, options).bundle
        let path: [Any] = ["verificationMaterial", "timestampVerificationData", "rfc3161Timestamps", 0, "signedTimestamp"]
        // A timestamp over another message.
        let other = try instance.timestamp(Array("other".utf8), at: instance.epoch)
        #expect(await failedCheck(bundle.replacing(path) { _ in .string(Data(other).base64EncodedString()) }) == .timestamp)
        // A timestamp signed by a key the trusted root does not know.
        let signature = try #require(bundle.at(["messageSignature", "signature"])?.stringValue.flatMap { Data(base64Encoded: $0) })
        let untrusted = try instance.timestamp(Array(signature), at: instance.epoch, key: P256.Signing.PrivateKey())
        #expect(await failedCheck(bundle.replacing(path) { _ in .string(Data(untrusted).base64EncodedString()) }) == .timestamp)
        // A timestamp after the certificate expired.
        let late = try instance.timestamp(Array(signature), at: instance.epoch.addingTimeInterval(3600))
        #expect(await failedCheck(bundle.replacing(path) { _ in .string(Data(late).base64EncodedString()) }) == .certificateChain)
        // Garbage.
        #expect(await failedCheck(bundle.replacing(path) { _ in "AAAA" }) == .timestamp)
    }

    /// A timestamp authority's window is inclusive at both ends, as the conformance suite
    /// expects, and a second outside it is refused.
    @Test func timestampAuthorityWindowsAreExact() async throws {
        var options = self.options
        options.withTimestamp = true
        options.withSET = false
        let bundle = try instance.bundle(for: Self.artifact, options).bundle
        let path: [Any] = ["verificationMaterial", "timestampVerificationData", "rfc3161Timestamps", 0, "signedTimestamp"]
        let der = try #require(bundle.at(path)?.stringValue.flatMap { Data(base64Encoded: $0) })
        let time = try TimestampToken(der: Array(der)).time
        func window(_ start: Date, _ end: Date?) throws -> BundleVerifier {
            try verifier { root in
                root.replacing(["timestampAuthorities", 0, "validFor"]) { _ in
                    var period: JSONValue = ["start": .string(MetadataDate.format(start))]
                    if let end { period = period.setting("end", .string(ProtoTimestampFormat.format(end))) }
                    return period
                }
            }
        }
        let second: TimeInterval = 1
        let wholeSecond = Date(timeIntervalSince1970: time.timeIntervalSince1970.rounded(.down))
        #expect(await failedCheck(bundle, verifier: try window(wholeSecond.addingTimeInterval(-60), time)) == nil)
        #expect(
            await failedCheck(bundle, verifier: try window(wholeSecond.addingTimeInterval(-60), time.addingTimeInterval(-second)))
                == .timestamp
        )
        #expect(await failedCheck(bundle, verifier: try window(wholeSecond.addingTimeInterval(second), nil)) == .timestamp)
    }

    @Test func malformedInputIsRefused() async throws {
        let bundle = try instance.bundle(for: Self.artifact, options).bundle
        #expect(await failedCheck(bundle.replacing(["mediaType"]) { _ in "application/vnd.dev.sigstore.bundle+json;version=9" }) == .bundle)
        #expect(await failedCheck(bundle.replacing(["messageSignature", "signature"]) { _ in "not base64!" }) == .bundle)
        #expect(await failedCheck(bundle.replacing(["verificationMaterial", "certificate", "rawBytes"]) { _ in "AAAA" }) == .bundle)
        #expect(throws: VerificationError.self) { try SigstoreBundle(bytes: Array("{\"mediaType\": ".utf8)) }
        // A trusted root whose log lacks the start of its validity.
        var root = try JSONParser().parse(instance.trustedRoot())
        root = root.replacing(["tlogs", 0, "publicKey"]) { $0.setting("validFor", [:]) }
        #expect(throws: VerificationError.self) { try TrustedRoot(bytes: JSONWriter.prettyPrinted(root)) }
    }
}

/// RFC 3339 with fractional seconds, for windows that end at an exact instant.
enum ProtoTimestampFormat {
    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
