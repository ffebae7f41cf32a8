import Ceremony
import Foundation
import TUF
import Testing

/// A configuration is the same value however its objects' members are ordered, so the copy a
/// workspace keeps (written with members sorted) reads back as the configuration it came from.
@Suite("Ceremony configuration")
struct CeremonyConfigTests {
    static let nowhere = URL(fileURLWithPath: "/nonexistent-config-directory")

    /// The fuzz target's round-trip property, on the input where fuzz-ceremony found it broken:
    /// files listed out of order came back sorted, as another configuration.
    @Test func fuzzFindingRoundTrips() throws {
        let input = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus/fuzz-ceremony/regression-member-order.json")
        let bytes = Array(try Data(contentsOf: input).dropFirst())  // the fuzz target's selector byte
        let config = try CeremonyConfig(bytes: bytes, directory: Self.nowhere)
        let again = try CeremonyConfig(bytes: JSONWriter.prettyPrinted(config.resolvedJSON), directory: Self.nowhere)
        var expected = config
        for index in expected.files.indices { expected.files[index].source = expected.files[index].path }
        #expect(again == expected)
    }

    /// Lifetimes far beyond a century gave expiry dates the metadata format cannot read back
    /// (year 101960), or trapped converting to a date; they are refused where they are read.
    @Test func lifetimesAreRangeChecked() throws {
        let key = #"{"key": {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": "\#(String(repeating: "a", count: 64))"}}}"#
        func config(root: String = "365", snapshot: String = "7", signing: String = "60") -> [UInt8] {
            Array(
                """
                {"holders": {"alice": \(key)}, "online_key": \(key),
                 "root": {"holders": ["alice"], "threshold": 1, "expiry_days": \(root), "signing_period_days": \(signing)},
                 "targets": {"holders": ["alice"], "threshold": 1, "expiry_days": 180},
                 "snapshot": {"expiry_days": \(snapshot)}, "timestamp": {"expiry_days": 1}}
                """.utf8
            )
        }
        #expect(throws: Never.self) { try CeremonyConfig(bytes: config(), directory: Self.nowhere) }
        #expect(throws: Never.self) { try CeremonyConfig(bytes: config(root: "36525"), directory: Self.nowhere) }
        for (bad, path) in [
            (config(root: "3000000"), "root.expiry_days"), (config(root: "100000000000000"), "root.expiry_days"),
            (config(snapshot: "1000000000000000"), "snapshot.expiry_days"), (config(snapshot: "0"), "snapshot.expiry_days"),
            (config(signing: "9223372036854775807"), "root.signing_period_days"),
        ] {
            let value = try #require(try Self.number(in: bad, at: path))
            #expect(throws: MetadataError.invalidValue(path: path, reason: "must be from 1 to 36525 days, is \(value)")) {
                try CeremonyConfig(bytes: bad, directory: Self.nowhere)
            }
        }
    }

    /// Delegated roles name metadata files; names that differ only in case would overwrite
    /// each other (or root's) on a case-insensitive file system.
    @Test func roleNamesThatDifferOnlyInCaseAreRefused() throws {
        let key = #"{"key": {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": "\#(String(repeating: "a", count: 64))"}}}"#
        func config(_ delegations: [String]) -> [UInt8] {
            let text = delegations.map { #""\#($0)": {"holders": ["alice"], "threshold": 1, "paths": ["x/*"], "expiry_days": 90}"# }
            return Array(
                """
                {"holders": {"alice": \(key)}, "online_key": \(key),
                 "root": {"holders": ["alice"], "threshold": 1, "expiry_days": 365},
                 "targets": {"holders": ["alice"], "threshold": 1, "expiry_days": 180},
                 "snapshot": {"expiry_days": 7}, "timestamp": {"expiry_days": 1},
                 "delegations": {\(text.joined(separator: ", "))}}
                """.utf8
            )
        }
        #expect(throws: Never.self) { try CeremonyConfig(bytes: config(["npm", "pypi"]), directory: Self.nowhere) }
        for names in [["Root"], ["TARGETS"], ["npm", "NPM"]] {
            #expect(throws: MetadataError.self, "\(names)") { try CeremonyConfig(bytes: config(names), directory: Self.nowhere) }
        }
    }

    static func number(in config: [UInt8], at path: String) throws -> Int64? {
        let parts = path.split(separator: ".").map(String.init)
        return try JSONParser().parse(config).objectValue?[parts[0]]?.objectValue?[parts[1]]?.integerValue
    }

    @Test func memberOrderDoesNotMatter() throws {
        func text(holders: [String], delegations: [String], files: [String]) -> [UInt8] {
            let key = { (hex: String) in
                #"{"key": {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": "\#(String(repeating: hex, count: 64))"}}}"#
            }
            let holderText = holders.map { #""\#($0)": \#(key(String($0.first!)))"# }.joined(separator: ", ")
            let delegationText = delegations.map {
                #""\#($0)": {"holders": ["carol"], "threshold": 1, "paths": ["\#($0)/*"], "expiry_days": 90}"#
            }.joined(separator: ", ")
            let fileText = files.map { #""\#($0)": {"role": "\#($0.hasPrefix("npm/") ? "npm" : "targets")"}"# }.joined(separator: ", ")
            return Array(
                """
                {"holders": {\(holderText)}, "online_key": \(key("d")),
                 "root": {"holders": ["alice", "bob", "carol"], "threshold": 2, "expiry_days": 365, "signing_period_days": 60},
                 "targets": {"holders": ["alice", "bob"], "threshold": 2, "expiry_days": 180, "signing_period_days": 30},
                 "snapshot": {"expiry_days": 7}, "timestamp": {"expiry_days": 1},
                 "delegations": {\(delegationText)}, "files": {\(fileText)}}
                """.utf8
            )
        }
        let sorted = try CeremonyConfig(
            bytes: text(holders: ["alice", "bob", "carol"], delegations: ["npm", "pypi"], files: ["a.json", "npm/b.json", "z.json"]),
            directory: Self.nowhere
        )
        let reversed = try CeremonyConfig(
            bytes: text(holders: ["carol", "bob", "alice"], delegations: ["pypi", "npm"], files: ["z.json", "npm/b.json", "a.json"]),
            directory: Self.nowhere
        )
        #expect(reversed == sorted)
        #expect(reversed.holders.map(\.name) == ["alice", "bob", "carol"])
        #expect(reversed.delegations.map(\.name) == ["npm", "pypi"])
        #expect(reversed.files.map(\.path) == ["a.json", "npm/b.json", "z.json"])
    }
}
