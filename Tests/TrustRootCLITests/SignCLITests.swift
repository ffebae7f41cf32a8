import Crypto
import Foundation
import TUF
import TestSupport
import Testing

/// `trustroot sign` against the loopback services, then `trustroot verify` on what it wrote.
@Suite("trustroot sign")
struct SignCLITests {
    let folder: TemporaryDirectory
    let services: TestSigstoreServices

    init() throws {
        folder = try TemporaryDirectory()
        services = try TestSigstoreServices()
        try folder.write("trusted_root.json", services.trustedRoot())
        try folder.write("signing_config.json", services.signingConfig())
        try folder.write("artifact.txt", Array("the artifact\n".utf8))
        try folder.write("token", Array(try services.identityToken().utf8))
    }

    func sign(
        _ extra: [String],
        bundle: String = "artifact.sigstore.json",
        input: String = "artifact.txt",
        environment: [String: String] = [:]
    ) async throws -> TrustRootBinary.Outcome {
        try await TrustRootBinary.run(
            ["sign", "--bundle", folder.file(bundle).path, "--trusted-root", folder.file("trusted_root.json").path] + extra
                + [folder.file(input).path],
            environment: environment
        )
    }

    var keyless: [String] {
        ["--signing-config", folder.file("signing_config.json").path, "--identity-token-file", folder.file("token").path]
    }

    func verify(_ extra: [String], bundle: String = "artifact.sigstore.json") async throws -> TrustRootBinary.Outcome {
        try await TrustRootBinary.run(
            ["verify", "--bundle", folder.file(bundle).path, "--trusted-root", folder.file("trusted_root.json").path] + extra
                + [folder.file("artifact.txt").path]
        )
    }

    var identity: [String] { ["--certificate-identity", TestInstance.identity, "--certificate-oidc-issuer", services.issuerURL] }

    @Test func keylessBundleVerifies() async throws {
        let signed = try await sign(keyless)
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(
            signed.stdout
                == "signed \(folder.file("artifact.txt").path) as \(TestInstance.identity); bundle written to \(folder.file("artifact.sigstore.json").path)\n"
        )
        let verified = try await verify(identity)
        #expect(verified.status == 0, "\(verified.stderr)")
        // The services' URLs given as flags work the same way, with a Rekor v2 log.
        let flags = try await sign(
            [
                "--fulcio-url", services.caURL.absoluteString, "--rekor-url", services.logV2URL.absoluteString, "--rekor-version", "2",
                "--tsa-url", services.tsaURL.absoluteString, "--identity-token", String(decoding: try folder.read("token"), as: UTF8.self),
            ],
            bundle: "v2.sigstore.json"
        )
        #expect(flags.status == 0, "\(flags.stderr)")
        #expect(try await verify(identity, bundle: "v2.sigstore.json").status == 0)
    }

    /// A 300 MiB artifact is hashed as a stream by both sign and verify: neither process's
    /// peak memory comes near the artifact's size.
    @Test func largeArtifactsAreHashedAsAStream() async throws {
        let large = folder.file("large.bin")
        _ = FileManager.default.createFile(atPath: large.path, contents: nil)
        let handle = try FileHandle(forWritingTo: large)
        try handle.truncate(atOffset: 300 << 20)  // sparse: 300 MiB of zeros
        try handle.close()
        let signed = try await TrustRootBinary.measured(
            ["sign", "--bundle", folder.file("large.sigstore.json").path, "--trusted-root", folder.file("trusted_root.json").path]
                + keyless + [large.path]
        )
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(signed.peakKiB < 128 * 1024, "sign peak \(signed.peakKiB) KiB")
        let verified = try await TrustRootBinary.measured(
            ["verify", "--bundle", folder.file("large.sigstore.json").path, "--trusted-root", folder.file("trusted_root.json").path]
                + identity + [large.path]
        )
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.peakKiB < 128 * 1024, "verify peak \(verified.peakKiB) KiB")
    }

    @Test func inTotoStatementIsSignedAsAnEnvelope() async throws {
        let digest = Hex.encode(SHA256.hash(data: try folder.read("artifact.txt")))
        try folder.write(
            "statement.json",
            JSONWriter.prettyPrinted([
                "_type": "https://in-toto.io/Statement/v1", "subject": [["name": "artifact.txt", "digest": ["sha256": .string(digest)]]],
                "predicateType": "https://slsa.dev/provenance/v1", "predicate": [:],
            ])
        )
        let signed = try await sign(keyless + ["--in-toto"], input: "statement.json")
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(try await verify(identity + ["--predicate-type", "https://slsa.dev/provenance/v1"]).status == 0)
        // Against a Rekor v2 log the envelope is logged as a hashedrekord 0.0.2 entry over its
        // pre-authentication encoding, never as dsse 0.0.2, and verifies.
        let v2 = try await sign(
            [
                "--fulcio-url", services.caURL.absoluteString, "--rekor-url", services.logV2URL.absoluteString, "--rekor-version", "2",
                "--tsa-url", services.tsaURL.absoluteString, "--identity-token", String(decoding: try folder.read("token"), as: UTF8.self),
                "--in-toto",
            ],
            bundle: "v2.sigstore.json",
            input: "statement.json"
        )
        #expect(v2.status == 0, "\(v2.stderr)")
        let v2Bundle = try #require(try JSONParser().parse(try folder.read("v2.sigstore.json")).objectValue)
        let kindVersion = v2Bundle["verificationMaterial"]?.objectValue?["tlogEntries"]?.arrayValue?.first?.objectValue?["kindVersion"]
        #expect(kindVersion == ["kind": "hashedrekord", "version": "0.0.2"])
        #expect(
            try await verify(identity + ["--predicate-type", "https://slsa.dev/provenance/v1"], bundle: "v2.sigstore.json").status == 0
        )
        #expect(try await verify(identity + ["--predicate-type", "https://example.com/other"]).status == 1)
        // The predicate type must have the required bytes: the Kelvin sign (U+212A) is canonically
        // equivalent to "K", and Swift's == would take one for the other.
        try folder.write(
            "statement.json",
            JSONWriter.prettyPrinted([
                "_type": "https://in-toto.io/Statement/v1", "subject": [["name": "artifact.txt", "digest": ["sha256": .string(digest)]]],
                "predicateType": "https://example.com/\u{212A}", "predicate": [:],
            ])
        )
        #expect(try await sign(keyless + ["--in-toto"], input: "statement.json").status == 0)
        #expect(try await verify(identity + ["--predicate-type", "https://example.com/\u{212A}"]).status == 0)
        #expect("https://example.com/\u{212A}" == "https://example.com/K")
        #expect(try await verify(identity + ["--predicate-type", "https://example.com/K"]).status == 1)
    }

    @Test func somethingThatIsNotAStatementIsRefusedBeforeAnyRequest() async throws {
        let before = services.instance.leaves.count
        for (name, content) in [
            ("not-json.json", "not json"), ("no-type.json", #"{"subject": [], "predicateType": "x"}"#),
            (
                "no-sha256.json",
                #"{"_type": "https://in-toto.io/Statement/v1", "predicateType": "x", "subject": [{"digest": {"sha512": "00"}}]}"#
            ),
        ] {
            try folder.write(name, Array(content.utf8))
            let outcome = try await sign(keyless + ["--in-toto"], input: name)
            #expect(outcome.status == 65, "\(name): \(outcome.stderr)")
            #expect(outcome.stderr.hasPrefix("trustroot: in-toto statement: "), "\(name): \(outcome.stderr)")
        }
        #expect(services.instance.leaves.count == before)
        #expect(!FileManager.default.fileExists(atPath: folder.file("artifact.sigstore.json").path))
    }

    /// Key files of each type sign; RSA with PKCS#1 v1.5 to a Rekor v1 log and verified with the
    /// key alone, RSA-PSS (the key files' default) to a Rekor v2 log and verified with the
    /// scheme named, and refused without it.
    @Test(arguments: [
        ("ecdsa-p256", [String](), [String](), 1),
        ("ecdsa-p384", [], [], 1),
        ("ecdsa-p521", [], [], 2),
        ("ed25519", [], [], 1),
        ("rsa-2048", ["--rsa-padding", "pkcs1v15"], [], 1),
        ("rsa-2048", [], ["--key-details", "PKIX_RSA_PSS_2048_SHA256"], 2),
    ])
    func managedKeyFileBundleVerifiesWithTheKey(type: String, signFlags: [String], verifyFlags: [String], logVersion: Int) async throws {
        let environment = ["TRUSTROOT_KEY_PASSPHRASE": "correct horse"]
        let generated = try await TrustRootBinary.run(
            ["key", "generate", "--type", type, "--kdf", "pbkdf2", "--json", "--out", folder.file("signing.key").path],
            environment: environment
        )
        #expect(generated.status == 0, "\(generated.stderr)")
        let key = try #require(try JSONParser().parse(Array(generated.stdout.utf8)).objectValue)
        var pem = try #require(key["key"]?.objectValue?["keyval"]?.objectValue?["public"]?.stringValue)
        if type == "ed25519" {
            pem = TestInstance.pem(
                "PUBLIC KEY",
                [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00] + Hex.decode(pem)!
            )
        }
        try folder.write("signing.pub", Array(pem.utf8))
        let services =
            logVersion == 1
            ? ["--signing-config", folder.file("signing_config.json").path]
            : [
                "--rekor-url", self.services.logV2URL.absoluteString, "--rekor-version", "2", "--tsa-url",
                self.services.tsaURL.absoluteString,
            ]
        let signed = try await sign(services + ["--key", folder.file("signing.key").path] + signFlags, environment: environment)
        #expect(signed.status == 0, "\(signed.stderr)")
        let verified = try await verify(["--key", folder.file("signing.pub").path] + verifyFlags)
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(try await verify(identity).status == 1)
        if !verifyFlags.isEmpty {
            // Without the scheme, the RSA key is taken as PKCS#1 v1.5, which did not sign.
            #expect(try await verify(["--key", folder.file("signing.pub").path]).status == 1)
        }
    }

    @Test func keyDetailsForAnotherKeyTypeAreRefused() async throws {
        try folder.write("p256.pub", Array(P256.Signing.PrivateKey().publicKey.pemRepresentation.utf8))
        try folder.write("artifact.sigstore.json", Array("{}".utf8))
        let refused = try await verify(["--key", folder.file("p256.pub").path, "--key-details", "PKIX_ECDSA_P384_SHA_384"])
        #expect(refused.status == 65)
        #expect(
            refused.stderr.contains("the key is ECDSA P-256, not the PKIX_ECDSA_P384_SHA_384 key its scheme names"),
            "\(refused.stderr)"
        )
    }

    /// Thresholds over what the trusted root calls for: a bundle with one log entry and one
    /// timestamp meets one of each, and is refused, naming the check, when two are required.
    @Test func thresholdsAreOptions() async throws {
        #expect(try await sign(keyless).status == 0)
        #expect(try await verify(identity + ["--min-timestamps", "1", "--min-log-entries", "1", "--min-scts", "1"]).status == 0)
        let timestamps = try await verify(identity + ["--min-timestamps", "2"])
        #expect(timestamps.status == 1)
        #expect(timestamps.stderr.contains("RFC 3161 timestamp: the bundle has 1 RFC 3161 timestamps; 2 needed"), "\(timestamps.stderr)")
        let entries = try await verify(identity + ["--min-log-entries=2", "--json"])
        #expect(entries.status == 1)
        #expect(entries.stderr.contains("transparency log: the bundle has 1 log entries; 2 needed"), "\(entries.stderr)")
        let scts = try await verify(identity + ["--min-scts", "2"])
        #expect(scts.stderr.contains("valid SCTs from 1 trusted CT logs; 2 needed"), "\(scts.stderr)")
        let outOfRange = try await verify(identity + ["--min-scts", "17"])
        #expect(outOfRange.status == 64, "\(outOfRange.stderr)")
    }

    /// One client trust config gives both the trusted root and the services.
    @Test func aClientTrustConfigIsBothTrustedRootAndSigningConfig() async throws {
        let config: JSONValue = [
            "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
            "trustedRoot": try JSONParser().parse(services.trustedRoot()),
            "signingConfig": try JSONParser().parse(services.signingConfig()),
        ]
        try folder.write("trust_config.json", JSONWriter.prettyPrinted(config))
        let signed = try await TrustRootBinary.run(
            [
                "sign", "--bundle", folder.file("artifact.sigstore.json").path, "--trusted-root", folder.file("trust_config.json").path,
                "--signing-config", folder.file("trust_config.json").path, "--identity-token-file", folder.file("token").path,
                folder.file("artifact.txt").path,
            ]
        )
        #expect(signed.status == 0, "\(signed.stderr)")
        let verified = try await TrustRootBinary.run(
            ["verify", "--bundle", folder.file("artifact.sigstore.json").path, "--trusted-root", folder.file("trust_config.json").path]
                + identity + [folder.file("artifact.txt").path]
        )
        #expect(verified.status == 0, "\(verified.stderr)")
        // Signing is against one trusted root.
        let twoRoots = try await sign(keyless + ["--trusted-root", folder.file("trust_config.json").path], bundle: "two.sigstore.json")
        #expect(twoRoots.status == 64)
        #expect(twoRoots.stderr == "trustroot: give one --trusted-root: signing is against one trusted root\n")
    }

    /// Keyless with a P-384 key on request: the bundle verifies from the artifact and from its
    /// SHA-384 digest alone.
    @Test func keylessP384BundleVerifies() async throws {
        let signed = try await sign(keyless + ["--signing-algorithm", "ecdsa-p384"])
        #expect(signed.status == 0, "\(signed.stderr)")
        let verified = try await verify(identity + ["--json"])
        #expect(verified.status == 0, "\(verified.stderr)")
        let digest = Hex.encode(SHA384.hash(data: Array("the artifact\n".utf8)))
        let byDigest = try await TrustRootBinary.run(
            ["verify", "--bundle", folder.file("artifact.sigstore.json").path, "--trusted-root", folder.file("trusted_root.json").path]
                + identity + ["sha384:" + digest]
        )
        #expect(byDigest.status == 0, "\(byDigest.stderr)")
        let refused = try await sign(keyless + ["--signing-algorithm", "ecdsa-p224"], bundle: "other.sigstore.json")
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--signing-algorithm must be one of ecdsa-p256, ecdsa-p384"), "\(refused.stderr)")
    }

    /// A key on a PKCS#11 token (SoftHSM2 standing in for a hardware token) signs the bundle.
    /// The cases take turns: two processes opening SoftHSM2's file-backed token at the same
    /// moment sometimes find no token at all.
    @Test(.serialized, arguments: [("01", "ecdsa"), ("03", "ed25519")])
    func managedTokenKeyBundleVerifiesWithTheKey(id: String, keyType: String) async throws {
        guard case .success(let token) = SoftHSM.shared else {
            Issue.record("SoftHSM2 is needed: \(SoftHSM.shared)")
            return
        }
        let environment = token.environment
        let imported = try await TrustRootBinary.run(
            [
                "key", "import-pkcs11", "--module", SoftHSM.module, "--token-label", token.tokenLabel, "--key-id", id, "--out",
                folder.file("token-key.json").path,
            ],
            environment: environment
        )
        #expect(imported.status == 0, "\(imported.stderr)")
        let record = try #require(try JSONParser().parse(try folder.read("token-key.json")).objectValue)
        let publicValue = try #require(record["key"]?.objectValue?["keyval"]?.objectValue?["public"]?.stringValue)
        #expect(record["key"]?.objectValue?["keytype"]?.stringValue == keyType)
        // The verifier takes a PEM SubjectPublicKeyInfo; TUF lists Ed25519 keys as hex.
        let pem: String
        if keyType == "ed25519" {
            let der = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00] + (try #require(Hex.decode(publicValue)))
            pem = "-----BEGIN PUBLIC KEY-----\n\(Data(der).base64EncodedString())\n-----END PUBLIC KEY-----\n"
        } else {
            pem = publicValue
        }
        try folder.write("token.pub", Array(pem.utf8))
        let signed = try await sign(
            ["--signing-config", folder.file("signing_config.json").path, "--pkcs11", folder.file("token-key.json").path],
            environment: environment
        )
        #expect(signed.status == 0, "\(signed.stderr)")
        let verified = try await verify(["--key", folder.file("token.pub").path])
        #expect(verified.status == 0, "\(verified.stderr)")
    }

    /// Each failure: one line naming the step, the exit code of its class, and the bundle
    /// already at the destination left as it was.
    @Test(arguments: [
        (TestSigstoreServices.Fault.caHTTPError, Int32(69), "trustroot: certificate authority: "),
        (.caUntrustedChain, 1, "trustroot: certificate authority: certificate chain: "),
        (.caWrongSCT, 1, "trustroot: certificate authority: signed certificate timestamp: "),
        (.logHTTPError, 69, "trustroot: transparency log: "),
        (.logBadInclusionProof, 1, "trustroot: verification: "),
        (.tsaWrongNonce, 1, "trustroot: timestamp authority: "),
    ])
    func serviceFailuresWriteNothing(fault: TestSigstoreServices.Fault, status: Int32, prefix: String) async throws {
        let previous = Array("previous bundle".utf8)
        try folder.write("artifact.sigstore.json", previous)
        services.inject(fault)
        let outcome = try await sign(keyless)
        #expect(outcome.status == status, "\(fault): \(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix(prefix), "\(fault): \(outcome.stderr)")
        #expect(outcome.stderr.split(separator: "\n").count == 1)
        #expect(try folder.read("artifact.sigstore.json") == previous)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter { $0.hasPrefix(".") }.isEmpty)
    }

    @Test func badTokensAreRefusedBeforeAnyRequest() async throws {
        try folder.write("token", Array(try services.identityToken(expiry: Date().addingTimeInterval(-3600)).utf8))
        let before = services.instance.leaves.count
        let expired = try await sign(keyless)
        #expect(expired.status == 65)
        #expect(expired.stderr.hasPrefix("trustroot: identity token: the token expired at "), "\(expired.stderr)")
        try folder.write("token", Array("not a token".utf8))
        let garbage = try await sign(keyless)
        #expect(garbage.status == 65)
        #expect(garbage.stderr == "trustroot: identity token: not a signed JWT (header.payload.signature)\n")
        let none = try await sign(
            ["--signing-config", folder.file("signing_config.json").path],
            environment: ["SIGSTORE_ID_TOKEN": "", "ACTIONS_ID_TOKEN_REQUEST_URL": "", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": ""]
        )
        #expect(none.status == 65, "\(none.stderr)")
        #expect(services.instance.leaves.count == before)
        #expect(!FileManager.default.fileExists(atPath: folder.file("artifact.sigstore.json").path))
    }

    /// The services by flag: the signing config (Rekor v1), or the URLs with a Rekor v2 log.
    func serviceFlags(logVersion: Int) -> [String] {
        logVersion == 1
            ? ["--signing-config", folder.file("signing_config.json").path]
            : [
                "--fulcio-url", services.caURL.absoluteString, "--rekor-url", services.logV2URL.absoluteString, "--rekor-version", "2",
                "--tsa-url", services.tsaURL.absoluteString,
            ]
    }

    /// An in-toto statement whose subject is artifact.txt.
    func writeStatement() throws {
        let digest = Hex.encode(SHA256.hash(data: try folder.read("artifact.txt")))
        try folder.write(
            "statement.json",
            JSONWriter.prettyPrinted([
                "_type": "https://in-toto.io/Statement/v1", "subject": [["name": "artifact.txt", "digest": ["sha256": .string(digest)]]],
                "predicateType": "https://example.com/predicate", "predicate": [:],
            ])
        )
    }

    /// sigstore-python verifies what TrustRoot signs keyless with a P-256 key in every form
    /// (Rekor v1 or v2, a message signature or a DSSE envelope), and refuses each for another
    /// artifact. A P-384 key signs SHA-384 digests, as the algorithm registry prescribes and
    /// `trustroot verify` checks; sigstore-python 4.5.1, the newest on PyPI, hashes message
    /// signatures and DSSE envelopes with SHA-256 only, so its refusal is asserted word for word:
    /// the test fails, to be turned around, once a release accepts them. (sigstore-python
    /// verifies no managed-key bundles: those forms are held to the library's single-mutation
    /// tests, `managedKeysOfEveryAlgorithmSignAndVerify`.)
    @Test(arguments: ["ecdsa-p256", "ecdsa-p384"], [1, 2])
    func sigstorePythonVerifiesEveryKeylessForm(algorithm: String, logVersion: Int) async throws {
        try writeStatement()
        try folder.write("other.txt", Array("another artifact\n".utf8))
        for dsse in [false, true] {
            let bundle = "\(algorithm)-v\(logVersion)-\(dsse ? "dsse" : "message").sigstore.json"
            let signed = try await sign(
                serviceFlags(logVersion: logVersion) + [
                    "--identity-token-file", folder.file("token").path, "--signing-algorithm", algorithm,
                ]
                    + (dsse ? ["--in-toto"] : []),
                bundle: bundle,
                input: dsse ? "statement.json" : "artifact.txt"
            )
            #expect(signed.status == 0, "\(signed.stderr)")
            let ours = try await verify(identity, bundle: bundle)
            #expect(ours.status == 0, "\(bundle): \(ours.stderr)")
            let sha256Only =
                dsse
                ? "refused: VerificationError: DSSE: invalid signature\n" : "refused: VerificationError: Bundle message digest mismatch\n"
            let accepted = algorithm == "ecdsa-p256" ? "verified\n" : sha256Only
            for (artifact, expected) in [("artifact.txt", accepted), ("other.txt", "refused: ")] {
                let python = try await Python.run(
                    "sigstore_verify_bundle.py",
                    [
                        folder.file("trusted_root.json").path, folder.file(bundle).path, folder.file(artifact).path, TestInstance.identity,
                        services.issuerURL,
                    ] + (dsse ? ["dsse"] : [])
                )
                #expect(python.hasPrefix(expected), "\(bundle) for \(artifact): \(python)")
            }
        }
    }

    /// sigstore-python signs through the same services (so they speak the public services'
    /// shapes), message signatures and DSSE envelopes, Rekor v1 and v2, and `trustroot verify`
    /// accepts what it wrote.
    @Test(arguments: [1, 2], [false, true])
    func sigstorePythonSignsThroughTheServicesAndWeVerify(logVersion: Int, dsse: Bool) async throws {
        let trustedRoot = try JSONParser().parse(services.trustedRoot())
        let signingConfig = try JSONParser().parse(services.signingConfig(logVersion: logVersion))
        try folder.write(
            "trust_config.json",
            JSONWriter.prettyPrinted([
                "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json", "trustedRoot": trustedRoot,
                "signingConfig": signingConfig,
            ])
        )
        _ = try await Python.run(
            "sigstore_sign.py",
            [
                folder.file("trust_config.json").path, folder.file("token").path, folder.file("artifact.txt").path,
                folder.file("python.sigstore.json").path,
            ] + (dsse ? ["dsse"] : [])
        )
        let bundle = try #require(try JSONParser().parse(try folder.read("python.sigstore.json")).objectValue)
        #expect(bundle["verificationMaterial"]?.objectValue?["timestampVerificationData"] != nil)
        #expect((bundle["dsseEnvelope"] != nil) == dsse)
        let verified = try await verify(identity, bundle: "python.sigstore.json")
        #expect(verified.status == 0, "\(verified.stderr)")
        // The trust config is read as a trusted root too.
        let byConfig = try await TrustRootBinary.run(
            ["verify", "--bundle", folder.file("python.sigstore.json").path, "--trusted-root", folder.file("trust_config.json").path]
                + identity + [folder.file("artifact.txt").path]
        )
        #expect(byConfig.status == 0, "\(byConfig.stderr)")
    }

    @Test func conformanceAdapterSignsAndVerifies() async throws {
        let adapter = TrustRootBinary.buildFolder.appendingPathComponent("sigstore-conformance-client")
        let signed = try await Subprocess.finish(
            try Subprocess.start(
                adapter,
                [
                    "sign-bundle", "--identity-token", String(decoding: try folder.read("token"), as: UTF8.self), "--bundle",
                    folder.file("adapter.sigstore.json").path, "--trusted-root", folder.file("trusted_root.json").path,
                    "--signing-config", folder.file("signing_config.json").path, folder.file("artifact.txt").path,
                ]
            )
        )
        #expect(signed.status == 0, "\(signed.errors)")
        let verified = try await Subprocess.finish(
            try Subprocess.start(
                adapter,
                [
                    "verify-bundle", "--bundle", folder.file("adapter.sigstore.json").path, "--certificate-identity", TestInstance.identity,
                    "--certificate-oidc-issuer", services.issuerURL, "--trusted-root", folder.file("trusted_root.json").path,
                    folder.file("artifact.txt").path,
                ]
            )
        )
        #expect(verified.status == 0, "\(verified.errors)")
    }
}
