import Crypto
import Foundation
import Sigstore
import TUF
import TestSupport
import Testing

/// `trustroot verify` and `trustroot inspect` on bundles made by the in-memory test instance.
@Suite("trustroot verify")
struct VerifyCLITests {
    let folder: TemporaryDirectory
    let instance: TestInstance

    init() throws {
        folder = try TemporaryDirectory()
        instance = try TestInstance()
        try folder.write("trusted_root.json", instance.trustedRoot())
        try folder.write("artifact.txt", Array("the artifact\n".utf8))
    }

    func write(_ name: String, _ options: TestInstance.Options) throws -> P256.Signing.PrivateKey {
        let (bundle, key) = try instance.bundle(for: try folder.read("artifact.txt"), options)
        try folder.write(name, JSONWriter.prettyPrinted(bundle))
        return key
    }

    func verify(_ bundle: String, _ extra: [String], artifact: String? = nil) async throws -> TrustRootBinary.Outcome {
        try await TrustRootBinary.run(
            ["verify", "--bundle", folder.file(bundle).path, "--trusted-root", folder.file("trusted_root.json").path] + extra
                + [artifact ?? folder.file("artifact.txt").path]
        )
    }

    var identity: [String] { ["--certificate-identity", TestInstance.identity, "--certificate-oidc-issuer", TestInstance.issuerURL] }

    @Test func onlineConfirmsTheEntryWithItsLogAndRefusesAForkedOrSilentLog() async throws {
        let services = try TestSigstoreServices()
        let instance = services.instance
        var options = TestInstance.Options(time: instance.epoch.addingTimeInterval(-5))
        // The stand-in dates entries it did not take itself at its epoch.
        options.integratedTime = instance.epoch
        let (bundle, _) = try instance.bundle(for: try folder.read("artifact.txt"), options)
        try folder.write("online.json", JSONWriter.prettyPrinted(bundle))
        try folder.write("services_root.json", services.trustedRoot())
        for index in 0..<5 { _ = instance.append(Array("later \(index)".utf8)) }
        func verify(_ extra: [String] = []) async throws -> TrustRootBinary.Outcome {
            try await TrustRootBinary.run(
                [
                    "verify", "--bundle", folder.file("online.json").path, "--trusted-root", folder.file("services_root.json").path,
                    "--online",
                ]
                    + identity + extra + [folder.file("artifact.txt").path]
            )
        }
        let index = instance.leaves.count - 6
        let ok = try await verify()
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(
            ok.stdout.contains(
                "online: entry \(index) is in \(instance.origin) at size \(index + 6), which extends the bundle's tree of size \(index + 1)"
            ),
            "\(ok.stdout)"
        )
        let json = try await verify(["--json"])
        #expect(json.status == 0 && json.stdout.contains("\"consistency_proof_hashes\""), "\(json.stderr)")

        services.inject(.logRewritten)
        let forked = try await verify()
        #expect(forked.status == 1 && forked.stderr.contains("does not extend the bundle's tree"), "\(forked.stderr)")
        #expect(!forked.stdout.contains("verified"))
        services.clearFaults()
        services.inject(.logHTTPError)
        let down = try await verify()
        #expect(down.status == 69 && down.stderr.contains("--online"), "\(down.stderr)")
        // Offline, the same bundle verifies: --online only adds checks.
        let offline = try await TrustRootBinary.run(
            ["verify", "--bundle", folder.file("online.json").path, "--trusted-root", folder.file("services_root.json").path] + identity
                + [folder.file("artifact.txt").path]
        )
        #expect(offline.status == 0, "\(offline.stderr)")
    }

    @Test func verifiesAndRefusesWithOneLineAndAnExitCode() async throws {
        _ = try write("bundle.json", TestInstance.Options(time: instance.epoch))
        let ok = try await verify("bundle.json", identity)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.hasPrefix("verified: "))
        let digest = "sha256:" + Hex.encode(SHA256.hash(data: try folder.read("artifact.txt")))
        #expect(try await verify("bundle.json", identity, artifact: digest).status == 0)
        let pattern = try await verify(
            "bundle.json",
            ["--certificate-identity-regexp", "https://github\\.com/example/.*", "--certificate-oidc-issuer", TestInstance.issuerURL]
        )
        #expect(pattern.status == 0, "\(pattern.stderr)")

        let otherIdentity = try await verify(
            "bundle.json",
            ["--certificate-identity", "someone@example.com", "--certificate-oidc-issuer", TestInstance.issuerURL]
        )
        #expect(otherIdentity.status == 1)
        #expect(
            otherIdentity.stderr.hasSuffix(
                "identity policy: the certificate's identity is \(TestInstance.identity), not the expected one\n"
            )
        )
        let claim = try await verify("bundle.json", identity + ["--claim", "12=https://github.com/example/project"])
        #expect(claim.status == 1)
        #expect(claim.stderr.contains("claim 1.3.6.1.4.1.57264.1.12 is absent"))

        try folder.write("other.txt", Array("another artifact\n".utf8))
        let wrongArtifact = try await verify("bundle.json", identity, artifact: folder.file("other.txt").path)
        #expect(wrongArtifact.status == 1)
        #expect(wrongArtifact.stderr.contains("log entry body: the entry records another artifact digest"))

        // --json names every check, in order, with its outcome.
        let json = try await verify("bundle.json", identity + ["--json"], artifact: folder.file("other.txt").path)
        let report = try JSONParser().parse(Array(json.stdout.utf8))
        #expect(report.objectValue?["verified"] == false)
        let checks = report.objectValue?["checks"]?.arrayValue ?? []
        #expect(checks.count == VerificationError.Check.allCases.count)
        #expect(checks.first { $0.objectValue?["outcome"] == "failed" }?.objectValue?["check"] == "log entry body")

        var bytes = try folder.read("bundle.json")
        bytes.removeLast(10)
        try folder.write("truncated.json", bytes)
        let truncated = try await verify("truncated.json", identity)
        #expect(truncated.status == 65)
        #expect(truncated.stderr.contains("bundle: bundle is not valid JSON"))
        let missing = try await verify("absent.json", identity)
        #expect(missing.status == 66)
    }

    @Test func managedKeysAndPredicateTypes() async throws {
        var managed = TestInstance.Options(time: instance.epoch)
        managed.managedKey = P256.Signing.PrivateKey()
        _ = try write("managed.json", managed)
        try folder.write("key.pem", Array(managed.managedKey!.publicKey.pemRepresentation.utf8))
        let ok = try await verify("managed.json", ["--key", folder.file("key.pem").path])
        #expect(ok.status == 0, "\(ok.stderr)")
        try folder.write("other.pem", Array(P256.Signing.PrivateKey().publicKey.pemRepresentation.utf8))
        #expect(try await verify("managed.json", ["--key", folder.file("other.pem").path]).status == 1)
        // --json after a success says which checks applied.
        let json = try await verify("managed.json", ["--key", folder.file("key.pem").path, "--json"])
        let checks = try JSONParser().parse(Array(json.stdout.utf8)).objectValue?["checks"]?.arrayValue ?? []
        func outcome(_ check: String) async -> JSONValue? {
            checks.first { $0.objectValue?["check"] == .string(check) }?.objectValue?["outcome"]
        }
        await #expect(outcome("public key") == "passed")
        await #expect(outcome("inclusion proof") == "passed")
        await #expect(outcome("certificate chain") == "not applicable")
        await #expect(outcome("RFC 3161 timestamp") == "not applicable")

        var dsse = TestInstance.Options(time: instance.epoch)
        dsse.dsse = true
        _ = try write("dsse.json", dsse)
        #expect(try await verify("dsse.json", identity + ["--predicate-type", "https://slsa.dev/provenance/v1"]).status == 0)
        let otherPredicate = try await verify("dsse.json", identity + ["--predicate-type", "https://spdx.dev/Document"])
        #expect(otherPredicate.status == 1)
        #expect(otherPredicate.stderr.contains("predicate type is https://slsa.dev/provenance/v1, not https://spdx.dev/Document"))

        let inspect = try await TrustRootBinary.run(["inspect", folder.file("dsse.json").path])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("Issuer (1.3.6.1.4.1.57264.1.8): \(TestInstance.issuerURL)"))
        #expect(inspect.stdout.contains("identity (SAN): \(TestInstance.identity)"))
        #expect(inspect.stdout.contains("predicate type https://slsa.dev/provenance/v1"))
        #expect(inspect.stdout.contains("checkpoint: \(instance.origin)"))
        let inspectJSON = try await TrustRootBinary.run(["inspect", "--json", folder.file("dsse.json").path])
        let inspected = try #require(try JSONParser().parse(Array(inspectJSON.stdout.utf8)).objectValue, "\(inspectJSON.stderr)")
        #expect(inspected["content"]?.objectValue?["predicate_type"] == "https://slsa.dev/provenance/v1")
        #expect(inspected["signing_certificate"]?.objectValue?["identities"] == [.string(TestInstance.identity)])
        let entry = inspected["log_entries"]?.arrayValue?.first?.objectValue
        #expect(entry?["inclusion_proof"]?.objectValue?["checkpoint"]?.objectValue?["origin"] == .string(instance.origin))
        let notABundle = try await TrustRootBinary.run(["inspect", folder.file("key.pem").path])
        #expect(notABundle.status == 65)
    }

    /// Digests given instead of the artifact: sha256:, sha384: and sha512:, as npm's in-toto
    /// subjects carry only SHA-512; a malformed one says what is wrong.
    @Test func digestsOfEveryLengthAndMalformedOnes() async throws {
        var npm = TestInstance.Options(time: instance.epoch)
        npm.dsse = true
        npm.subjectDigests = ["sha512"]
        _ = try write("npm.json", npm)
        let artifact = try folder.read("artifact.txt")
        let sha512 = "sha512:" + Hex.encode(SHA512.hash(data: artifact))
        let bySHA512 = try await verify("npm.json", identity, artifact: sha512)
        #expect(bySHA512.status == 0, "\(bySHA512.stderr)")
        #expect(try await verify("npm.json", identity).status == 0)
        let bySHA256 = try await verify("npm.json", identity, artifact: "sha256:" + Hex.encode(SHA256.hash(data: artifact)))
        #expect(bySHA256.status == 1)
        #expect(bySHA256.stderr.contains("the artifact is not a subject of the in-toto statement"), "\(bySHA256.stderr)")

        var both = npm
        both.subjectDigests = ["sha256", "sha384"]
        _ = try write("both.json", both)
        #expect(try await verify("both.json", identity, artifact: "sha384:" + Hex.encode(SHA384.hash(data: artifact))).status == 0)
        // A subject whose SHA-256 names the artifact but whose SHA-384 names another is no match.
        both.wrongSubjectDigests = ["sha384"]
        _ = try write("contradicting.json", both)
        #expect(try await verify("contradicting.json", identity).status == 1)

        // A message signature needs the SHA-256 its log entry records.
        _ = try write("message.json", TestInstance.Options(time: instance.epoch))
        let wrongKind = try await verify("message.json", identity, artifact: sha512)
        #expect(wrongKind.status == 1)
        #expect(wrongKind.stderr.contains("SHA2_256"), "\(wrongKind.stderr)")

        let short = try await verify("npm.json", identity, artifact: "sha512:abc")
        #expect(short.status == 64)
        #expect(
            short.stderr == "trustroot: sha512:abc: a sha512 digest is 128 hex digits after sha512: (found 3 characters, not all hex)\n"
        )
        let notHex = try await verify("npm.json", identity, artifact: "sha256:" + String(repeating: "zz", count: 32))
        #expect(notHex.status == 64)
        #expect(notHex.stderr.hasSuffix("(found 64 characters, not all hex)\n"), "\(notHex.stderr)")
    }

    /// Serial numbers keep every byte's leading zero, as openssl shows them.
    @Test func inspectShowsSerialsAsOpenSSLDoes() async throws {
        let made = try await Subprocess.run(
            URL(fileURLWithPath: "/usr/bin/openssl"),
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=serial test",
                "-set_serial", "0x6f54092a", "-days", "1", "-keyout", folder.file("serial.key").path, "-out",
                folder.file("serial.pem").path,
            ]
        )
        #expect(made.status == 0, "\(made.errors)")
        let openssl = try await Subprocess.run(
            URL(fileURLWithPath: "/usr/bin/openssl"),
            ["x509", "-noout", "-serial", "-in", folder.file("serial.pem").path]
        )
        #expect(openssl.output == "serial=6F54092A\n")
        let inspect = try await TrustRootBinary.run(["inspect", folder.file("serial.pem").path])
        #expect(inspect.stdout.contains("serial: 6f:54:09:2a\n"), "\(inspect.stdout)")
        let json = try await TrustRootBinary.run(["inspect", "--json", folder.file("serial.pem").path])
        #expect(try JSONParser().parse(Array(json.stdout.utf8)).objectValue?["serial"] == "6f:54:09:2a")
    }

    @Test func batchesReportEachBundleInOrder() async throws {
        var lines: [String] = []
        for index in 0..<6 {
            var options = TestInstance.Options(time: instance.epoch)
            options.dsse = index % 2 == 1
            _ = try write("b\(index).json", options)
            lines.append("\(folder.file("b\(index).json").path)\t\(folder.file("artifact.txt").path)")
        }
        try folder.write("other.txt", Array("another artifact\n".utf8))
        lines[3] = "\(folder.file("b3.json").path)\t\(folder.file("other.txt").path)"
        try folder.write("batch.txt", Array(lines.joined(separator: "\n").utf8))
        let outcome = try await TrustRootBinary.run(
            ["verify", "--batch", folder.file("batch.txt").path, "--trusted-root", folder.file("trusted_root.json").path] + identity
        )
        #expect(outcome.status == 1)
        let printed = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(printed.count == 7)
        #expect(printed[3].hasPrefix("FAILED \(folder.file("b3.json").path): "))
        #expect(
            printed.prefix(6).enumerated().allSatisfy { $0.offset == 3 || $0.element == "ok \(folder.file("b\($0.offset).json").path)" }
        )
        #expect(printed.last == "5 verified, 1 failed, 6 in all")
        #expect(outcome.stderr.hasSuffix("1 of 6 bundles failed verification\n"))
        lines.remove(at: 3)
        try folder.write("good.txt", Array(lines.joined(separator: "\n").utf8))
        let good = try await TrustRootBinary.run(
            ["verify", "--batch", folder.file("good.txt").path, "--trusted-root", folder.file("trusted_root.json").path] + identity
        )
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.hasSuffix("\n5 verified, 0 failed, 5 in all\n"))
    }

    /// --json reports each check as passed, failed, not applicable or not reached, the times
    /// verified before a failure, and who signed.
    @Test func jsonReportsEveryChecksStateTheTimesAndTheSigner() async throws {
        _ = try write("bundle.json", TestInstance.Options(time: instance.epoch))
        func report(_ extra: [String], artifact: String? = nil) async throws -> JSONObject {
            let outcome = try await verify("bundle.json", extra + ["--json"], artifact: artifact)
            return try #require(try JSONParser().parse(Array(outcome.stdout.utf8)).objectValue, "\(outcome.stderr)")
        }
        func states(_ report: JSONObject) -> [String: String] {
            var states: [String: String] = [:]
            for check in report["checks"]?.arrayValue ?? [] {
                if let name = check.objectValue?["check"]?.stringValue { states[name] = check.objectValue?["outcome"]?.stringValue }
            }
            return states
        }
        let passed = try await report(identity)
        #expect(passed["verified"] == true)
        #expect(states(passed)["identity policy"] == "passed")
        #expect(states(passed)["RFC 3161 timestamp"] == "not applicable")
        #expect(passed["verified_times"]?.arrayValue?.first?.objectValue?["source"]?.stringValue?.hasPrefix("transparency log ") == true)
        let signer = try #require(passed["signer"]?.objectValue)
        #expect(signer["identities"] == [.string(TestInstance.identity)])
        #expect(signer["issuer"] == .string(TestInstance.issuerURL))
        #expect(signer["claims"]?.objectValue?["1.3.6.1.4.1.57264.1.8"] == .string(TestInstance.issuerURL))

        // The identity policy fails after the log, the times and the chain have passed.
        let failed = try await report([
            "--certificate-identity", "someone@example.com", "--certificate-oidc-issuer", TestInstance.issuerURL,
        ])
        #expect(failed["verified"] == false)
        let failedStates = states(failed)
        #expect(failedStates["inclusion proof"] == "passed")
        #expect(failedStates["certificate chain"] == "passed")
        #expect(failedStates["signed certificate timestamp"] == "passed")
        #expect(failedStates["identity policy"] == "failed")
        #expect(failedStates["artifact signature"] == "not reached")
        #expect(failedStates["RFC 3161 timestamp"] == "not applicable")
        #expect(failed["verified_times"]?.arrayValue?.count == 1)
        #expect(failed["signer"]?.objectValue?["identities"] == [.string(TestInstance.identity)])
    }
}
