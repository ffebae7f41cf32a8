import Foundation
import TUF
import TestSupport
import Testing

@testable import Sigstore

/// A verification run as a command makes it: reports instead of errors, the predicate type
/// held to the policy, JSON states, and a batch reported job by job.
@Suite("Verification run")
struct VerificationRunTests {
    static let artifact = Array("the artifact\n".utf8)

    struct Unreadable: Error, CustomStringConvertible {
        var description: String { "no such bundle" }
    }

    @Test func reportsSayWhatPassedFailedAndWasNotReached() async throws {
        let instance = try TestInstance()
        var options = TestInstance.Options(time: instance.epoch)
        options.dsse = true
        let bundle = try SigstoreBundle(bytes: JSONWriter.prettyPrinted(try instance.bundle(for: Self.artifact, options).bundle))
        let verifier = SignedEntityVerifier(trustedMaterial: try TrustedRoot(bytes: instance.trustedRoot()))
        let policy = BundleVerifier.Policy.identity(IdentityPolicy(identity: .exact(TestInstance.identity), issuer: TestInstance.issuerURL))

        let verified = await VerificationRun(verifier: verifier, policy: policy, predicateType: "https://slsa.dev/provenance/v1")
            .verify(bundle, artifact: .bytes(Self.artifact))
        #expect(verified.isVerified)
        #expect(verified.failure == nil)
        #expect(verified.json(trustedRoot: "test").objectValue?["signer"]?.objectValue?["identities"] == [.string(TestInstance.identity)])

        let otherType = await VerificationRun(verifier: verifier, policy: policy, predicateType: "https://spdx.dev/Document")
            .verify(bundle, artifact: .bytes(Self.artifact))
        #expect(
            otherType.failure
                == "DSSE envelope: the statement's predicate type is https://slsa.dev/provenance/v1, not https://spdx.dev/Document"
        )
        let states = try #require(otherType.json(trustedRoot: "test").objectValue?["checks"]?.arrayValue).compactMap { entry in
            entry.objectValue.flatMap { object in object["check"]?.stringValue.map { ($0, object["outcome"]?.stringValue ?? "") } }
        }
        let outcome = Dictionary(uniqueKeysWithValues: states)
        #expect(outcome["DSSE envelope"] == "failed")
        #expect(outcome["certificate chain"] == "passed")
        #expect(outcome["RFC 3161 timestamp"] == "not applicable")

        let wrongArtifact = await VerificationRun(verifier: verifier, policy: policy).verify(bundle, artifact: .bytes([1]))
        #expect(!wrongArtifact.isVerified)
        #expect(wrongArtifact.failure?.hasPrefix("DSSE envelope: ") == true)
    }

    @Test func aBatchReportsEveryJobByItsIndex() async throws {
        let instance = try TestInstance()
        let bytes = JSONWriter.prettyPrinted(try instance.bundle(for: Self.artifact, TestInstance.Options(time: instance.epoch)).bundle)
        let run = VerificationRun(
            verifier: SignedEntityVerifier(trustedMaterial: try TrustedRoot(bytes: instance.trustedRoot())),
            policy: .identity(IdentityPolicy(identity: .exact(TestInstance.identity), issuer: TestInstance.issuerURL))
        )
        var failures = [String?](repeating: "unset", count: 5)
        await run.verifyBatch(
            Array(0..<5),
            workers: 2,
            load: { index in
                guard index != 3 else { throw Unreadable() }
                return (try SigstoreBundle(bytes: bytes), .bytes(index == 1 ? [0] : Self.artifact))
            },
            report: { index, report in failures[index] = report.failure }
        )
        #expect(failures[0] == nil && failures[2] == nil && failures[4] == nil)
        #expect(failures[1]?.hasPrefix("artifact signature: ") == true || failures[1]?.hasPrefix("log entry body: ") == true, "\(failures)")
        #expect(failures[3] == "no such bundle")
    }
}
