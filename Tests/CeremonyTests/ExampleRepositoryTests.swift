import Ceremony
import Foundation
import TUF
import TUFClient
import TestSupport
import Testing

/// The example repository the project ships (metadata/example, made by its regenerate.sh): a
/// client follows it from root v1, and every file says its keys are test keys.
@Suite("Example repository")
struct ExampleRepositoryTests {
    static let example = Python.interopDirectory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("metadata/example")

    @Test func aClientFollowsItFromTheFirstRoot() async throws {
        let folder = try TemporaryDirectory()
        let repository = Self.example.appendingPathComponent("repository")
        let cache = try MetadataCache(directory: folder.file("cache"))
        try cache.bootstrap(rootBytes: Array(try Data(contentsOf: repository.appendingPathComponent("metadata/1.root.json"))))
        var updater = Updater(cache: cache, metadataBaseURL: repository.appendingPathComponent("metadata"), fetcher: FileFetcher())
        let info = try #require(try await updater.targetInfo("trusted_root.json"))
        try await updater.downloadTarget(
            "trusted_root.json",
            info,
            from: repository.appendingPathComponent("targets"),
            to: folder.file("tr.json")
        )
        #expect(updater.trusted?.root.signed.version == 2)
        let shipped = try Data(contentsOf: Self.example.appendingPathComponent("../sigstore/production/trusted_root.json"))
        #expect(try Data(contentsOf: folder.file("tr.json")) == shipped)
        #expect(info.custom?.objectValue?["sigstore"]?.objectValue?["usage"] == "TrustedRoot")
    }

    @Test func everyFileAndKeySaysItIsATestKey() throws {
        let metadata = Self.example.appendingPathComponent("repository/metadata")
        let names = try FileManager.default.contentsOfDirectory(atPath: metadata.path).filter { $0.hasSuffix(".json") }
        #expect(names.count >= 8)
        for name in names {
            let json = try JSONParser().parse(Array(try Data(contentsOf: metadata.appendingPathComponent(name))))
            let signed = try #require(json.objectValue?["signed"]?.objectValue)
            #expect(signed[MetadataDraft.testKeyField] == .string(MetadataDraft.testWarning), "\(name)")
            for (keyID, key) in signed["keys"]?.objectValue?.members ?? [] {
                #expect(key.objectValue?[MetadataDraft.testKeyField] == true, "\(name): key \(keyID)")
            }
        }
        // The ceremony's record is intact and names each step.
        let records = try Transcript(url: Self.example.appendingPathComponent("transcript.jsonl")).verify()
        #expect(records.map(\.step) == ["init", "sign", "sign", "publish", "propose", "sign", "sign", "sign", "publish"])
        // The configuration still reads, and its holders are root v1's keys.
        let config = try CeremonyConfig(
            bytes: Array(try Data(contentsOf: Self.example.appendingPathComponent("ceremony.json"))),
            directory: Self.example
        )
        #expect(config.testKeys)
        let root = try Metadata<Root>(bytes: Array(try Data(contentsOf: metadata.appendingPathComponent("1.root.json"))))
        let identities = Set(root.signed.keys.values.compactMap(\.identity))
        #expect(config.holders.allSatisfy { $0.key.identity.map(identities.contains) ?? false })
    }
}
