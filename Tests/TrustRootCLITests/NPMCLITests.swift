import Crypto
import Foundation
import TUF
import TestSupport
import Testing

/// `trustroot provenance npm` on an attestations document as the npm registry serves one: a
/// publish attestation signed by a registry key from a keys.json target, and SLSA provenance
/// signed by a GitHub Actions certificate, both made by the test instance.
@Suite("trustroot provenance npm")
struct NPMCLITests {
    let instance: TestInstance
    let folder: TemporaryDirectory
    let registryKey = P256.Signing.PrivateKey()
    let tarball = Array("package/package.json and the rest\n".utf8)

    static let repository = "https://github.com/example/project"
    static let builder = "https://github.com/example/project/.github/workflows/publish.yml@refs/tags/v1.0.0"
    static let packageURL = "pkg:npm/%40example/tool@1.0.0"
    var keyID: String { "SHA256:" + Data(SHA256.hash(data: TestInstance.spki(.init(registryKey.publicKey)))).base64EncodedString() }

    init() throws {
        instance = try TestInstance()
        folder = try TemporaryDirectory()
        try folder.write("trusted_root.json", instance.trustedRoot())
        try folder.write("tool-1.0.0.tgz", tarball)
        try writeKeys(usage: "npm:attestations", start: "2022-12-01T00:00:00.000Z")
        try writeDocument([try publishAttestation(), try provenanceAttestation()])
    }

    func writeKeys(usage: String, start: String, file: String = "keys.json") throws {
        let keys: JSONValue = [
            "keys": [
                [
                    "keyId": .string(keyID), "keyUsage": .string(usage),
                    "publicKey": [
                        "rawBytes": .string(Data(TestInstance.spki(.init(registryKey.publicKey))).base64EncodedString()),
                        "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": ["start": .string(start)],
                    ],
                ]
            ]
        ]
        try folder.write(file, JSONWriter.prettyPrinted(keys))
    }

    func writeDocument(_ attestations: [JSONValue], file: String = "attestations.json") throws {
        try folder.write(file, JSONWriter.prettyPrinted(["attestations": .array(attestations)]))
    }

    func statement(type: String, predicate: JSONValue, subject: String = packageURL) -> JSONValue {
        let digest = Hex.encode(SHA512.hash(data: tarball))
        return [
            "_type": "https://in-toto.io/Statement/v1", "subject": [["name": .string(subject), "digest": ["sha512": .string(digest)]]],
            "predicateType": .string(type), "predicate": predicate,
        ]
    }

    func publishAttestation(name: String = "@example/tool", version: String = "1.0.0") throws -> JSONValue {
        var options = TestInstance.Options(time: instance.epoch)
        options.dsse = true
        options.managedKey = registryKey
        options.statement = statement(
            type: "https://github.com/npm/attestation/tree/main/specs/publish/v0.1",
            predicate: ["name": .string(name), "version": .string(version), "registry": "https://registry.npmjs.org"]
        )
        let (bundle, _) = try instance.bundle(for: tarball, options)
        let material = try #require(bundle.objectValue?["verificationMaterial"])
        return [
            "predicateType": "https://github.com/npm/attestation/tree/main/specs/publish/v0.1",
            "bundle": bundle.setting("verificationMaterial", material.setting("publicKey", ["hint": .string(keyID)])),
        ]
    }

    func provenanceAttestation() throws -> JSONValue {
        let key = P256.Signing.PrivateKey()
        var options = TestInstance.Options(time: instance.epoch)
        options.dsse = true
        options.signingKey = key
        options.certificate = try instance.issue(
            to: .init(key.publicKey),
            identity: Self.builder,
            issuer: "https://token.actions.githubusercontent.com",
            at: instance.epoch
        ) { extensions in
            extensions + [
                try TestInstance.fulcioExtension(9, Self.builder), try TestInstance.fulcioExtension(12, Self.repository),
                try TestInstance.fulcioExtension(13, String(repeating: "b", count: 40)),
                try TestInstance.fulcioExtension(14, "refs/tags/v1.0.0"),
            ]
        }
        options.identity = Self.builder
        options.issuer = "https://token.actions.githubusercontent.com"
        options.statement = statement(
            type: "https://slsa.dev/provenance/v1",
            predicate: ["runDetails": ["builder": ["id": .string(Self.builder)]]]
        )
        let (bundle, _) = try instance.bundle(for: tarball, options)
        return ["predicateType": "https://slsa.dev/provenance/v1", "bundle": bundle]
    }

    func verify(
        _ extra: [String] = [],
        package: String = "@example/tool@1.0.0",
        document: String = "attestations.json",
        keys: String? = "keys.json"
    )
        async throws -> TrustRootBinary.Outcome
    {
        try await TrustRootBinary.run(
            [
                "provenance", "npm", "--package", package, "--attestations", folder.file(document).path, "--trusted-root",
                folder.file("trusted_root.json").path,
            ] + (keys.map { ["--registry-keys", folder.file($0).path] } ?? []) + extra + [folder.file("tool-1.0.0.tgz").path],
            environment: ["TRUSTROOT_CACHE": folder.file("no-client").path]
        )
    }

    @Test func verifiesThePublishAttestationAndTheProvenance() async throws {
        let verified = try await verify()
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(
            verified.stdout
                == "verified: @example/tool@1.0.0 published by the registry; built from \(Self.repository) by \(Self.builder)\n"
        )
        let fromSource = try await verify(["--source-uri", "github.com/example/project", "--builder-id", Self.builder])
        #expect(fromSource.status == 0, "\(fromSource.stderr)")
        let otherSource = try await verify(["--source-uri", "github.com/example/other"])
        #expect(otherSource.status == 1)
        #expect(otherSource.stderr.contains("the source repository is \(Self.repository), not https://github.com/example/other"))

        // Publish attestation only: verified, unless provenance is required.
        try writeDocument([try publishAttestation()], file: "publish-only.json")
        let publishOnly = try await verify(document: "publish-only.json")
        #expect(publishOnly.status == 0 && publishOnly.stdout == "verified: @example/tool@1.0.0 published by the registry\n")
        let required = try await verify(["--source-uri", "github.com/example/project"], document: "publish-only.json")
        #expect(required.status == 1 && required.stderr.contains("no SLSA provenance"), "\(required.stderr)")
    }

    /// Another version, another package in the publish predicate, another tarball, a key not
    /// for attestations or not yet valid, no publish attestation: each refused with its reason.
    @Test func refusesEachWayTheAttestationsAreNotForThisTarball() async throws {
        let otherVersion = try await verify(package: "@example/tool@1.0.1")
        #expect(otherVersion.status == 1)
        #expect(
            otherVersion.stderr.contains("the subject is \(Self.packageURL), not pkg:npm/%40example/tool@1.0.1"),
            "\(otherVersion.stderr)"
        )

        try writeDocument([try publishAttestation(name: "@example/other")], file: "other-name.json")
        let otherName = try await verify(document: "other-name.json")
        #expect(otherName.status == 1)
        #expect(
            otherName.stderr.contains("the publish attestation is for @example/other@1.0.0, not @example/tool@1.0.0"),
            "\(otherName.stderr)"
        )

        try folder.write("tool-1.0.0.tgz", Array("another tarball".utf8))
        let otherTarball = try await verify()
        #expect(otherTarball.status == 1 && otherTarball.stderr.contains("not a subject"), "\(otherTarball.stderr)")
        try folder.write("tool-1.0.0.tgz", tarball)

        try writeKeys(usage: "npm:signatures", start: "2022-12-01T00:00:00.000Z", file: "signature-keys.json")
        let signatureKey = try await verify(keys: "signature-keys.json")
        #expect(signatureKey.status == 1 && signatureKey.stderr.contains("not a registry key for attestations"), "\(signatureKey.stderr)")
        try writeKeys(usage: "npm:attestations", start: "2030-01-01T00:00:00Z", file: "later-keys.json")
        let notYetValid = try await verify(keys: "later-keys.json")
        #expect(
            notYetValid.status == 1 && notYetValid.stderr.contains("was not valid when the log took the entry"),
            "\(notYetValid.stderr)"
        )

        try writeDocument([try provenanceAttestation()], file: "provenance-only.json")
        let noPublish = try await verify(document: "provenance-only.json")
        #expect(noPublish.status == 1 && noPublish.stderr.contains("no publish attestation"), "\(noPublish.stderr)")
    }

    @Test func badInputIsOneLineWithItsExitCode() async throws {
        try folder.write("broken.json", Array(#"{"attestations": [{"predicateType": 3}]}"#.utf8))
        let broken = try await verify(document: "broken.json")
        #expect(broken.status == 65 && broken.stderr.split(separator: "\n").count == 1, "\(broken.stderr)")
        let badPackage = try await verify(package: "Example Tool@1.0.0")
        #expect(badPackage.status == 64, "\(badPackage.stderr)")
        let noKeys = try await verify(keys: nil)
        #expect(noKeys.status == 66 && noKeys.stderr.contains("no registry keys"), "\(noKeys.stderr)")
        try folder.write("bad-keys.json", Array(#"{"keys": [{"keyId": "x"}]}"#.utf8))
        let badKeys = try await verify(keys: "bad-keys.json")
        #expect(badKeys.status == 65, "\(badKeys.stderr)")
    }
}
