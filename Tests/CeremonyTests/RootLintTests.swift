import Ceremony
import Foundation
import TUF
import Testing

@Suite("Root lint")
struct RootLintTests {
    func root(threshold: Int, rootKeys: [InMemorySigner], online: InMemorySigner, expiresInDays: Double, periods: (Int64, Int64)?) -> Root {
        var keys = Dictionary(uniqueKeysWithValues: rootKeys.map { ($0.publicKey.keyID, $0.publicKey) })
        keys[online.publicKey.keyID] = online.publicKey
        var rootRole = Role(keyIDs: rootKeys.map(\.publicKey.keyID), threshold: threshold)
        if let (expiry, signing) = periods {
            rootRole.unrecognizedFields["x-tuf-on-ci-expiry-period"] = .integer(expiry)
            rootRole.unrecognizedFields["x-tuf-on-ci-signing-period"] = .integer(signing)
        }
        let onlineRole = Role(keyIDs: [online.publicKey.keyID], threshold: 1)
        return Root(
            expires: Date().addingTimeInterval(expiresInDays * 86_400),
            keys: keys,
            roles: [
                "root": rootRole, "timestamp": onlineRole, "snapshot": onlineRole,
                "targets": Role(keyIDs: rootKeys.map(\.publicKey.keyID), threshold: threshold),
            ]
        )
    }

    @Test func aSoundRootHasNoFindings() throws {
        let holders = try (0..<5).map { _ in try InMemorySigner(generating: .ecdsaP256) }
        let online = try InMemorySigner(generating: .ecdsaP256)
        #expect(RootLint.check(root(threshold: 3, rootKeys: holders, online: online, expiresInDays: 180, periods: (182, 60))).isEmpty)
    }

    @Test func findsEachProblem() throws {
        let holders = try (0..<2).map { _ in try InMemorySigner(generating: .ed25519) }
        // The online key is also a root key, the threshold is 1, the periods are inverted,
        // and the root expires within its signing period.
        let findings = RootLint.check(root(threshold: 1, rootKeys: holders, online: holders[0], expiresInDays: 10, periods: (30, 45)))
        #expect(
            Set(findings.map(\.rule)) == ["root-threshold-1", "expiry-within-signing-period", "root-expires-soon", "online-root-key"]
        )
        #expect(findings.filter { $0.rule == "online-root-key" }.count == 2)
        let unreachable = RootLint.check(
            root(threshold: 3, rootKeys: holders, online: try InMemorySigner(generating: .ed25519), expiresInDays: 100, periods: nil)
        )
        #expect(unreachable.map(\.rule) == ["threshold-unreachable", "threshold-unreachable"])
    }

    @Test func aKeyListedTwiceUnderOtherIDsIsStillSeen() throws {
        let holder = try InMemorySigner(generating: .ecdsaP256)
        let legacy = Key(keyType: "ecdsa-sha2-nistp256", scheme: "ecdsa-sha2-nistp256", publicValue: holder.publicKey.publicValue)
        var root = root(
            threshold: 1,
            rootKeys: [holder],
            online: try InMemorySigner(generating: .ed25519),
            expiresInDays: 100,
            periods: nil
        )
        root.keys["legacy-id"] = legacy
        root.roles["timestamp"] = Role(keyIDs: ["legacy-id"], threshold: 1)
        #expect(RootLint.check(root).contains { $0.rule == "online-root-key" && $0.message.contains("legacy-id") })
    }

    @Test func aHolderWithoutARoleHasNoSignatureToGive() throws {
        let keys = try (0..<4).map { _ in try InMemorySigner(generating: .ed25519) }
        func config(targetsHolders: [String]) throws -> CeremonyConfig {
            var holders = JSONObject()
            for (index, key) in keys.prefix(3).enumerated() { holders["h\(index)"] = ["key": key.publicKey.json] }
            let json: JSONValue = [
                "holders": .object(holders),
                "online_key": ["key": keys[3].publicKey.json],
                "root": ["holders": ["h0", "h1"], "threshold": 2, "expiry_days": 365],
                "targets": ["holders": .array(targetsHolders.map { .string($0) }), "threshold": 1, "expiry_days": 365],
                "snapshot": ["expiry_days": 7],
                "timestamp": ["expiry_days": 1],
            ]
            return try CeremonyConfig(bytes: CanonicalJSON.encode(json), directory: URL(fileURLWithPath: "/"))
        }
        let findings = RootLint.checkHolders(try config(targetsHolders: ["h0"]))
        #expect(findings.map(\.rule) == ["holder-without-role"])
        #expect(findings.first?.message.hasPrefix("key holder h2 signs no role") == true)
        #expect(RootLint.checkHolders(try config(targetsHolders: ["h2"])).isEmpty)
    }
}
