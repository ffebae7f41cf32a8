import TUF
import Testing

@Suite("Metadata validation")
struct MetadataValidationTests {
    static let ed25519Key: JSONValue = [
        "keytype": "ed25519", "scheme": "ed25519",
        "keyval": ["public": "8f0b1e3bd5ea0bb2ea7e1bbe4afcb24d0e8ad69e0b89b2ec5e1a4ff1c0ad6e05"],
    ]

    static func rootDocument(_ edit: (inout JSONObject) -> Void = { _ in }) -> JSONValue {
        var signed = JSONObject()
        signed["_type"] = "root"
        signed["spec_version"] = "1.0.31"
        signed["version"] = 1
        signed["expires"] = "2030-01-01T00:00:00Z"
        signed["consistent_snapshot"] = true
        signed["keys"] = ["k1": ed25519Key]
        signed["roles"] = [
            "root": ["keyids": ["k1"], "threshold": 1], "timestamp": ["keyids": ["k1"], "threshold": 1],
            "snapshot": ["keyids": ["k1"], "threshold": 1], "targets": ["keyids": ["k1"], "threshold": 1],
        ]
        edit(&signed)
        return ["signed": .object(signed), "signatures": []]
    }

    static func targetsDocument(_ edit: (inout JSONObject) -> Void) -> JSONValue {
        var signed = JSONObject()
        signed["_type"] = "targets"
        signed["spec_version"] = "1.0"
        signed["version"] = 1
        signed["expires"] = "2030-01-01T00:00:00Z"
        signed["targets"] = ["a.txt": ["length": 1, "hashes": ["sha256": "00"]]]
        edit(&signed)
        return ["signed": .object(signed), "signatures": []]
    }

    func error<Signed: RoleMetadata>(_ type: Signed.Type, _ document: JSONValue) -> MetadataError? {
        do {
            _ = try Metadata<Signed>(bytes: JSONWriter.prettyPrinted(document))
            return nil
        } catch {
            return error
        }
    }

    func rootError(_ edit: (inout JSONObject) -> Void) -> MetadataError? { error(Root.self, Self.rootDocument(edit)) }
    func targetsError(_ edit: (inout JSONObject) -> Void) -> MetadataError? { error(Targets.self, Self.targetsDocument(edit)) }

    @Test func acceptsTheBaseDocuments() {
        #expect(error(Root.self, Self.rootDocument()) == nil)
        #expect(targetsError { _ in } == nil)
    }

    @Test func checksType() {
        #expect(rootError { $0["_type"] = "targets" } == .wrongMetadataType(expected: "root", found: "targets"))
        #expect(rootError { $0["_type"] = nil } == .missingField(path: "signed._type"))
        #expect(targetsError { $0["_type"] = 1 } == .wrongType(path: "signed._type", expected: "a string", found: "integer"))
    }

    @Test func checksSpecVersion() {
        for bad in ["2.0.0", "0.9", "1", "1.0.x", "1..0", "1.0.0.0", ""] {
            guard case .invalidValue(let path, _)? = rootError({ $0["spec_version"] = .string(bad) }) else {
                Issue.record("spec_version \"\(bad)\" was accepted")
                continue
            }
            #expect(path == "signed.spec_version")
        }
    }

    @Test func checksVersion() {
        #expect(rootError { $0["version"] = 0 } == .invalidValue(path: "signed.version", reason: "must be 1 or more, is 0"))
        #expect(rootError { $0["version"] = -3 } == .invalidValue(path: "signed.version", reason: "must be 1 or more, is -3"))
        #expect(rootError { $0["version"] = "1" } == .wrongType(path: "signed.version", expected: "an integer", found: "string"))
        // Versions and lengths past 2^53 - 1 are refused, so version + 1 and length + 1 never trap.
        #expect(
            rootError { $0["version"] = .integer(Int64.max) }
                == .invalidValue(path: "signed.version", reason: "is \(Int64.max), more than \(MetadataLimits.largestInteger)")
        )
        #expect(rootError { $0["version"] = .integer(Int64(MetadataLimits.largestInteger)) } == nil)
        let huge = JSONValue.integer(Int64.max)
        #expect(throws: MetadataError.self) { try MetaFile(json: ["version": huge], path: "meta") }
        #expect(throws: MetadataError.self) { try MetaFile(json: ["version": 1, "length": huge], path: "meta") }
        #expect(throws: MetadataError.self) { try TargetFile(json: ["length": huge, "hashes": ["sha256": "00"]], path: "target") }
    }

    @Test func checksExpiresStrictly() {
        let bad = [
            "2030-01-01T00:00:00", "2030-1-01T00:00:00Z", "2030-02-30T00:00:00Z", "2030-01-01T24:00:00Z",
            "2030-01-01 00:00:00Z", "2030-01-01T00:00:00.5Z", "2030-01-01T00:00:00+00:00", "2030-13-01T00:00:00Z",
            "2029-02-29T00:00:00Z", "2030-01-01T00:60:00Z", "２030-01-01T00:00:00Z",
        ]
        for expires in bad {
            guard case .invalidValue(let path, _)? = rootError({ $0["expires"] = .string(expires) }) else {
                Issue.record("expires \"\(expires)\" was accepted")
                continue
            }
            #expect(path == "signed.expires")
        }
        #expect(rootError { $0["expires"] = "2028-02-29T23:59:59Z" } == nil)
    }

    @Test func rejectsFloatsAnywhere() throws {
        let document = JSONWriter.prettyPrinted(Self.rootDocument()).replacing(
            Array("\"version\": 1".utf8),
            with: Array("\"version\": 1.0".utf8)
        )
        let offset = try #require(document.firstRange(of: Array("\"version\": 1.0".utf8))?.lowerBound) + 11
        #expect(throws: MetadataError.invalidJSON(JSONParseError(.nonIntegerNumber, at: offset))) {
            try Metadata<Root>(bytes: document)
        }
    }

    @Test func checksTheEnvelope() {
        #expect(error(Root.self, ["signed": Self.rootDocument().objectValue!["signed"]!]) == .missingField(path: "signatures"))
        #expect(error(Root.self, ["signatures": []]) == .missingField(path: "signed"))
        var document = Self.rootDocument().objectValue!
        document["signatures"] = ["keyid": "k1", "sig": "00"]
        #expect(error(Root.self, .object(document)) == .wrongType(path: "signatures", expected: "an array", found: "object"))
        document["signatures"] = [["keyid": "k1"]]
        #expect(error(Root.self, .object(document)) == .missingField(path: "signatures[0].sig"))
        #expect(error(Root.self, []) == .wrongType(path: "", expected: "an object", found: "array"))
        document["signatures"] = [["keyid": "k1", "sig": "00"], ["keyid": "k2", "sig": "00"], ["keyid": "k1", "sig": "01"]]
        #expect(error(Root.self, .object(document)) == .invalidValue(path: "signatures[2].keyid", reason: "key id k1 signs more than once"))
    }

    @Test func checksRootRoles() {
        #expect(
            rootError { $0["roles"] = ["root": ["keyids": ["k1"], "threshold": 1]] }
                == .invalidValue(path: "signed.roles", reason: "must name exactly the roles root, timestamp, snapshot and targets")
        )
        #expect(
            rootError { signed in
                var roles = signed["roles"]!.objectValue!
                roles["root"] = ["keyids": ["k1"], "threshold": 0]
                signed["roles"] = .object(roles)
            } == .invalidValue(path: "signed.roles[\"root\"].threshold", reason: "must be 1 or more, is 0")
        )
        #expect(
            rootError { signed in
                var roles = signed["roles"]!.objectValue!
                roles["targets"] = ["keyids": ["k1", "k2", "k1"], "threshold": 1]
                signed["roles"] = .object(roles)
            } == .invalidValue(path: "signed.roles[\"targets\"].keyids", reason: "key ids are not unique")
        )
    }

    @Test func refusesUnicodeEquivalentNamesThatSwiftWouldMerge() {
        #expect(
            rootError { $0["keys"] = ["é": Self.ed25519Key, "e\u{301}": Self.ed25519Key] }
                == .invalidValue(path: "signed.keys[\"e\u{301}\"]", reason: "name is Unicode-equivalent to another name in the same object")
        )
    }

    @Test func checksKeys() {
        #expect(
            rootError { $0["keys"] = ["k1": ["keytype": "ed25519", "scheme": "ed25519", "keyval": [:]]] }
                == .missingField(path: "signed.keys[\"k1\"].keyval.public")
        )
        #expect(
            rootError { $0["keys"] = ["k1": ["keytype": "ed25519", "keyval": ["public": "00"]]] }
                == .missingField(path: "signed.keys[\"k1\"].scheme")
        )
        #expect(
            rootError { $0["keys"] = ["k1": ["keytype": "ed25519", "scheme": "ed25519", "keyval": ["public": 5]]] }
                == .wrongType(path: "signed.keys[\"k1\"].keyval.public", expected: "a string", found: "integer")
        )
    }

    @Test func checksTargetFiles() {
        #expect(
            targetsError { $0["targets"] = ["a": ["length": -1, "hashes": ["sha256": "00"]]] }
                == .invalidValue(path: "signed.targets[\"a\"].length", reason: "must not be negative, is -1")
        )
        #expect(
            targetsError { $0["targets"] = ["a": ["length": 1, "hashes": [:]]] }
                == .invalidValue(path: "signed.targets[\"a\"].hashes", reason: "must name at least one hash")
        )
        #expect(targetsError { $0["targets"] = ["a": ["length": 1]] } == .missingField(path: "signed.targets[\"a\"].hashes"))
        #expect(
            targetsError { $0["targets"] = ["a": ["length": 1, "hashes": ["sha256": 1]]] }
                == .wrongType(path: "signed.targets[\"a\"].hashes[\"sha256\"]", expected: "a string", found: "integer")
        )
    }

    @Test func checksMetaFiles() {
        func snapshotError(_ meta: JSONValue) -> MetadataError? {
            error(
                Snapshot.self,
                [
                    "signatures": [],
                    "signed": [
                        "_type": "snapshot", "spec_version": "1.0.0", "version": 1, "expires": "2030-01-01T00:00:00Z", "meta": meta,
                    ],
                ]
            )
        }
        #expect(snapshotError(["targets.json": ["version": 1]]) == nil)
        #expect(
            snapshotError(["targets.json": ["version": 0]])
                == .invalidValue(path: "signed.meta[\"targets.json\"].version", reason: "must be 1 or more, is 0")
        )
        #expect(
            snapshotError(["targets.json": ["version": 1, "length": -5]])
                == .invalidValue(path: "signed.meta[\"targets.json\"].length", reason: "must not be negative, is -5")
        )
        #expect(
            snapshotError(["targets.json": ["version": 1, "hashes": [:]]])
                == .invalidValue(path: "signed.meta[\"targets.json\"].hashes", reason: "must name at least one hash")
        )
        let timestamp: JSONValue = [
            "signatures": [],
            "signed": [
                "_type": "timestamp", "spec_version": "1.0.0", "version": 1, "expires": "2030-01-01T00:00:00Z",
                "meta": ["targets.json": ["version": 1]],
            ],
        ]
        #expect(error(Timestamp.self, timestamp) == .missingField(path: "signed.meta[\"snapshot.json\"]"))
    }

    @Test func checksDelegations() {
        let role: JSONValue = ["name": "a", "keyids": ["k1"], "threshold": 1, "terminating": false, "paths": ["*"]]
        let succinct: JSONValue = ["keyids": ["k1"], "threshold": 1, "bit_length": 4, "name_prefix": "bin"]
        #expect(targetsError { $0["delegations"] = ["keys": [:], "roles": [role]] } == nil)
        #expect(targetsError { $0["delegations"] = ["keys": [:], "succinct_roles": succinct] } == nil)
        #expect(
            targetsError { $0["delegations"] = ["keys": [:], "roles": [role], "succinct_roles": succinct] }
                == .invalidValue(path: "signed.delegations", reason: "exactly one of roles and succinct_roles must be set")
        )
        #expect(
            targetsError { $0["delegations"] = ["keys": [:]] }
                == .invalidValue(path: "signed.delegations", reason: "exactly one of roles and succinct_roles must be set")
        )
        #expect(
            targetsError { $0["delegations"] = ["keys": [:], "roles": [role, role]] }
                == .invalidValue(path: "signed.delegations.roles[1]", reason: "role \"a\" is delegated twice")
        )
        var topLevel = role.objectValue!
        topLevel["name"] = "snapshot"
        #expect(
            targetsError { $0["delegations"] = ["keys": [:], "roles": [.object(topLevel)]] }
                == .invalidValue(path: "signed.delegations.roles[0]", reason: "a delegated role cannot be named \"snapshot\"")
        )
        var both = role.objectValue!
        both["path_hash_prefixes"] = ["ab"]
        #expect(
            targetsError { $0["delegations"] = ["keys": [:], "roles": [.object(both)]] }
                == .invalidValue(path: "signed.delegations.roles[0]", reason: "exactly one of paths and path_hash_prefixes must be set")
        )
        var neither = role.objectValue!
        neither["paths"] = nil
        #expect(
            targetsError { $0["delegations"] = ["keys": [:], "roles": [.object(neither)]] }
                == .invalidValue(path: "signed.delegations.roles[0]", reason: "exactly one of paths and path_hash_prefixes must be set")
        )
        var noTerminating = role.objectValue!
        noTerminating["terminating"] = nil
        #expect(
            targetsError { $0["delegations"] = ["keys": [:], "roles": [.object(noTerminating)]] }
                == .missingField(path: "signed.delegations.roles[0].terminating")
        )
        for bits: Int64 in [0, 33] {
            var bad = succinct.objectValue!
            bad["bit_length"] = .integer(bits)
            #expect(
                targetsError { $0["delegations"] = ["keys": [:], "succinct_roles": .object(bad)] }
                    == .invalidValue(path: "signed.delegations.succinct_roles.bit_length", reason: "must be between 1 and 32, is \(bits)")
            )
        }
    }

    @Test func errorsReadAsOneLine() {
        #expect(
            MetadataError.invalidValue(path: "signed.version", reason: "must be 1 or more, is 0").description
                == "signed.version: must be 1 or more, is 0"
        )
        #expect(MetadataError.invalidJSON(JSONParseError(.trailingComma, at: 9)).description == "invalid JSON: trailing comma at byte 9")
    }
}
