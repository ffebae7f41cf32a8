import Foundation
import TestSupport
import Testing

@testable import TUF

@Suite("Metadata interop with python-tuf")
struct PythonTUFInteropTests {
    /// Metadata written by python-tuf: a key of each type, threshold 2, custom fields everywhere.
    @Test func parsesVerifiesAndReencodesPythonTUFMetadata() async throws {
        let folder = try TemporaryDirectory()
        _ = try await Python.run("make_repo.py", [folder.path])
        let expectations = try #require(try JSONParser().parse(folder.read("expectations.json")).objectValue)
        let signedBy = try #require(expectations["signed_by"]?.objectValue)
        func expectedSigners(_ role: String) -> Set<String> {
            Set(signedBy[role]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }

        let root = try Metadata<Root>(bytes: folder.read("root.json"))
        let timestamp = try Metadata<Timestamp>(bytes: folder.read("timestamp.json"))
        let snapshot = try Metadata<Snapshot>(bytes: folder.read("snapshot.json"))
        let targets = try Metadata<Targets>(bytes: folder.read("targets.json"))
        let roleA = try Metadata<Targets>(bytes: folder.read("role-a.json"))

        // Signatures: every role meets its threshold with exactly the keys python signed with.
        let checks = [
            ("root", try root.signed.verifyDelegate("root", metadata: root)),
            ("timestamp", try root.signed.verifyDelegate("timestamp", metadata: timestamp)),
            ("snapshot", try root.signed.verifyDelegate("snapshot", metadata: snapshot)),
            ("targets", try root.signed.verifyDelegate("targets", metadata: targets)),
            ("role-a", try targets.signed.verifyDelegate("role-a", metadata: roleA)),
        ]
        for (role, check) in checks {
            #expect(check.isSatisfied, "\(check)")
            #expect(Set(check.signedKeyIDs) == expectedSigners(role), "\(role)")
            #expect(check.outcomes.allSatisfy { $0.outcome == .signed || $0.outcome == .noSignature })
        }
        #expect(Set(root.signed.keys.values.map(\.keyType)) == ["ed25519", "ecdsa", "rsa"])
        #expect(Set(root.signed.keys.values.map(\.scheme)).contains("ecdsa-sha2-nistp384"))

        // Canonical bytes: as received, and as the typed model writes them, both equal python-tuf's.
        let documents: [(String, [UInt8], [UInt8])] = [
            ("root", root.signedBytes, CanonicalJSON.encode(root.signed.json)),
            ("timestamp", timestamp.signedBytes, CanonicalJSON.encode(timestamp.signed.json)),
            ("snapshot", snapshot.signedBytes, CanonicalJSON.encode(snapshot.signed.json)),
            ("targets", targets.signedBytes, CanonicalJSON.encode(targets.signed.json)),
            ("role-a", roleA.signedBytes, CanonicalJSON.encode(roleA.signed.json)),
        ]
        for (name, received, modelled) in documents {
            let python = try folder.read("canonical/\(name)")
            #expect(received == python, "\(name): received form")
            #expect(modelled == python, "\(name): typed model")
        }

        // Custom fields at every level are in the model.
        #expect(root.unrecognizedFields["x-envelope"] == "root")
        #expect(root.signatures.contains { $0.unrecognizedFields["x-sig"] == "ok" })
        #expect(root.signed.unrecognizedFields["x-tuf-on-ci-expiry-period"] == 182)
        let someKey = try #require(root.signed.keys.values.first)
        #expect(someKey.unrecognizedFields["x-tuf-on-ci-keyowner"] != nil)
        #expect(someKey.keyValue["x-keyval-note"] == "kept")
        #expect(root.signed.roles["snapshot"]?.unrecognizedFields["x-role-note"] == "snapshot")
        #expect(timestamp.signed.snapshotMeta.unrecognizedFields["x-meta"] == "t")
        #expect(snapshot.signed.meta["targets.json"]?.unrecognizedFields["x-meta"] == "s")
        #expect(targets.signed.targets["files/a.txt"]?.custom == ["x": [1, "é"]])
        #expect(targets.signed.targets["dir/e\u{301}.bin"] != nil)
        #expect(targets.signed.unrecognizedFields["x-targets-note"] == "top")
        let delegations = try #require(targets.signed.delegations)
        #expect(delegations.unrecognizedFields["x-delegations"] == ["nested": [nil]])
        guard case .list(let delegated) = delegations.roles else {
            Issue.record("targets delegations should be a list")
            return
        }
        #expect(delegated.map(\.name) == ["role-a", "registry.example.org"])
        #expect(delegated[0].unrecognizedFields["x-delegated"] == 1)
        guard case .succinct(let bins) = roleA.signed.delegations?.roles else {
            Issue.record("role-a should delegate to hash bins")
            return
        }
        #expect(bins.unrecognizedFields["x-succinct"] == "yes")

        // Parse → edit → write → parse keeps every custom field, and undoing the edit restores
        // python-tuf's canonical bytes exactly.
        var edited = root
        edited.signed.version += 1
        edited.signed.roles["root"]?.threshold = 3
        let reparsed = try Metadata<Root>(bytes: edited.encoded())
        #expect(reparsed.signed.version == root.signed.version + 1)
        #expect(reparsed.signed.unrecognizedFields == root.signed.unrecognizedFields)
        #expect(reparsed.signed.keys == root.signed.keys)
        #expect(reparsed.signed.roles["snapshot"] == root.signed.roles["snapshot"])
        #expect(reparsed.unrecognizedFields == root.unrecognizedFields)
        #expect(reparsed.signatures == root.signatures)
        var undone = reparsed
        undone.signed.version -= 1
        undone.signed.roles["root"]?.threshold = 2
        #expect(undone.signedBytes == (try folder.read("canonical/root")))
        #expect(try root.signed.verifyDelegate("root", metadata: undone).isSatisfied)
        #expect(!(try root.signed.verifyDelegate("root", metadata: reparsed).isSatisfied))

        // Delegation lookup agrees with python-tuf for path patterns, hash prefixes and bins.
        let paths = try #require(expectations["paths"]?.objectValue)
        for (path, expected) in paths.members {
            let found = delegations.rolesForTarget(path).map(\.name)
            #expect(found == expected.arrayValue?.compactMap(\.stringValue), "\(path)")
        }
        let binExpectations = try #require(expectations["bins"]?.objectValue)
        for (path, expected) in binExpectations.members {
            #expect(bins.roleName(forTarget: path) == expected.stringValue, "\(path)")
            #expect(bins.isDelegatedRole(bins.roleName(forTarget: path)))
        }
    }

    /// Metadata that TrustRoot signs, with a key of each type, is accepted by python-tuf.
    @Test func pythonTUFAcceptsOurSignatures() async throws {
        let folder = try TemporaryDirectory()
        let signers = try InMemorySigner.KeyKind.allCases.map { try InMemorySigner(generating: $0) }
        let keys = Dictionary(uniqueKeysWithValues: signers.map { ($0.publicKey.keyID, $0.publicKey) })
        let allIDs = signers.map(\.publicKey.keyID)
        var custom = JSONObject()
        custom["x-trustroot-note"] = "é\u{1}"
        var rootSigned = Root(
            expires: MetadataDate.parse("2030-01-01T00:00:00Z")!,
            keys: keys,
            roles: [
                "root": Role(keyIDs: allIDs, threshold: signers.count, unrecognizedFields: custom),
                "timestamp": Role(keyIDs: [allIDs[0]], threshold: 1),
                "snapshot": Role(keyIDs: [allIDs[1]], threshold: 1),
                "targets": Role(keyIDs: Array(allIDs[1...]), threshold: 2),
            ]
        )
        rootSigned.unrecognizedFields = custom
        var root = Metadata(signed: rootSigned)
        for signer in signers { try root.sign(with: signer) }
        var targets = Metadata(
            signed: Targets(
                version: 2,
                expires: MetadataDate.parse("2030-01-01T00:00:00Z")!,
                targets: [
                    "a/b.txt": TargetFile(length: 3, hashes: ["sha256": String(repeating: "ab", count: 32)], unrecognizedFields: custom)
                ],
                delegations: Delegations(
                    keys: [allIDs[0]: signers[0].publicKey],
                    roles: .list([DelegatedRole(name: "a", keyIDs: [allIDs[0]], threshold: 1, terminating: false, scope: .paths(["a/*"]))])
                )
            )
        )
        try targets.sign(with: signers[2])
        try targets.sign(with: signers[3])
        try folder.write("root.json", root.encoded())
        try folder.write("targets.json", targets.encoded())

        let output = try await Python.run("verify.py", [folder.path]).split(separator: "\n").map(String.init)
        #expect(output.contains("root OK"), "\(output)")
        #expect(output.contains("targets OK"), "\(output)")
        // Key ids: python computes from the key object what we computed.
        for line in output where line.hasPrefix("keyid ") {
            let parts = line.split(separator: " ")
            #expect(parts.count == 3 && parts[1] == parts[2], "\(line)")
        }
        #expect(output.filter { $0.hasPrefix("keyid ") }.count == signers.count)

        // One bad signature leaves the root one short of its threshold (every key), for both of us.
        var tampered = root
        let last = tampered.signatures.count - 1
        let sig = tampered.signatures[last].signature
        tampered.signatures[last].signature =
            String(sig.prefix(10)) + (sig.dropFirst(10).first == "0" ? "1" : "0") + String(sig.dropFirst(11))
        try folder.write("root.json", tampered.encoded())
        let rejected = try await Python.run("verify.py", [folder.path])
        #expect(rejected.contains("root FAIL"), "\(rejected)")
        let ours = try root.signed.verifyDelegate("root", metadata: tampered)
        #expect(!ours.isSatisfied)
        #expect(ours.outcomes.last?.outcome == .invalidSignature)
    }
}
