import Foundation
import TUF

/// What a ceremony publishes, declared in one JSON file: the key holders and their public keys,
/// who signs which role and how many must, how long each role's metadata lives, the online key
/// for snapshot and timestamp, delegations, and the target files.
///
/// ```json
/// {
///   "holders": { "alice": { "key_file": "keys/alice.pub.json" }, "bob": { "key": { "keytype": "ed25519", … } } },
///   "online_key": { "key_file": "keys/online.pub.json" },
///   "root": { "holders": ["alice", "bob", "carol"], "threshold": 2, "expiry_days": 365, "signing_period_days": 60 },
///   "targets": { "holders": ["alice", "bob"], "threshold": 1, "expiry_days": 365, "signing_period_days": 60 },
///   "snapshot": { "expiry_days": 7 },
///   "timestamp": { "expiry_days": 1 },
///   "delegations": { "npm": { "holders": ["bob"], "threshold": 1, "paths": ["npm/*"], "terminating": true, "expiry_days": 365 } },
///   "files": { "trusted_root.json": { "file": "trusted_root.json", "custom": { "sigstore": { "usage": "TrustedRoot" } } } }
/// }
/// ```
///
/// A key file holds a TUF key object, or an object with one under `key` (what `trustroot key
/// generate --json`, `key show --json` and `key import-pkcs11` write). Paths are relative to the
/// configuration file. Unknown fields are refused, so a misspelt field cannot silently change
/// what is published; names starting with `x-` and `comment` are kept and ignored.
public struct CeremonyConfig: Sendable, Equatable {
    /// A person who holds a signing key.
    public struct Holder: Sendable, Equatable {
        /// The holder's name, as metadata records it in `x-tuf-on-ci-keyowner`.
        public var name: String
        /// The holder's public key.
        public var key: Key
    }

    /// A role signed by key holders.
    public struct OfflineRole: Sendable, Equatable {
        /// The holders whose keys sign the role, in order.
        public var holders: [String]
        /// How many of them must sign.
        public var threshold: Int
        /// How long the role's metadata lives, in days.
        public var expiryDays: Int
        /// How many days before expiry the holders are asked to sign again.
        public var signingPeriodDays: Int
    }

    /// A role the targets role delegates to.
    public struct Delegation: Sendable, Equatable {
        /// The role's name.
        public var name: String
        /// Who signs it and how long it lives.
        public var role: OfflineRole
        /// The target paths (patterns) it is trusted for.
        public var paths: [String]
        /// Whether the search for a target stops at this role.
        public var terminating: Bool
    }

    /// A file to publish as a target.
    public struct File: Sendable, Equatable {
        /// The target path clients ask for.
        public var path: String
        /// Where the file is, relative to the configuration (in a workspace: to its `targets/` folder).
        public var source: String
        /// The `custom` object of the target entry, if any.
        public var custom: JSONValue?
        /// The role that lists the target: `targets` or a delegation's name.
        public var role: String
    }

    /// Every key holder, in the order of their names' UTF-8 bytes. (A JSON object's members have
    /// no order, and the workspace writes its copy with members sorted: taking the order from the
    /// file would make the same configuration two different values.)
    public var holders: [Holder]
    /// The key that signs snapshot and timestamp on the publishing machine.
    public var onlineKey: Key
    /// The root role.
    public var root: OfflineRole
    /// The top-level targets role.
    public var targets: OfflineRole
    /// Snapshot metadata lifetime, in days.
    public var snapshotExpiryDays: Int
    /// Timestamp metadata lifetime, in days.
    public var timestampExpiryDays: Int
    /// Roles the targets role delegates to, in the order of their names' UTF-8 bytes: that is the
    /// order targets metadata lists them, so where their paths overlap the first by name wins.
    public var delegations: [Delegation]
    /// Target files, in the order of their paths' UTF-8 bytes.
    public var files: [File]
    /// Whether every key is a test key: metadata then says so in `x-trustroot-test-keys`.
    public var testKeys: Bool

    /// The holder named `name`.
    public func holder(named name: String) -> Holder? { holders.first { $0.name == name } }

    /// Reads a configuration; key files are read from `directory`.
    public init(bytes: [UInt8], directory: URL) throws(MetadataError) {
        let json: JSONValue
        do {
            json = try JSONParser().parse(bytes)
        } catch {
            throw .invalidJSON(error)
        }
        var reader = try FieldReader(json, path: "")
        let holderValue = try reader.required("holders")
        guard case .object(let holderObject) = holderValue else {
            throw .wrongType(path: "holders", expected: "an object", found: holderValue.typeName)
        }
        holders = []
        for (name, value) in holderObject.members {
            guard !name.isEmpty else { throw .invalidValue(path: "holders", reason: "a holder needs a name") }
            holders.append(Holder(name: name, key: try Self.readKeyReference(value, path: "holders.\(name)", directory: directory)))
        }
        guard !holders.isEmpty else { throw .invalidValue(path: "holders", reason: "names no key holder") }
        holders.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        onlineKey = try Self.readKeyReference(reader.required("online_key"), path: "online_key", directory: directory)
        let names = Set(holders.map(\.name))
        root = try Self.readOfflineRole(reader.required("root"), path: "root", holders: names)
        targets = try Self.readOfflineRole(reader.required("targets"), path: "targets", holders: names)
        snapshotExpiryDays = try Self.readOnlineRole(reader.required("snapshot"), path: "snapshot")
        timestampExpiryDays = try Self.readOnlineRole(reader.required("timestamp"), path: "timestamp")
        testKeys = try reader.optionalBool("test_keys") ?? false

        delegations = []
        if let value = reader.take("delegations") {
            guard case .object(let object) = value else {
                throw .wrongType(path: "delegations", expected: "an object", found: value.typeName)
            }
            var foldedNames: Set<String> = []
            for (name, roleValue) in object.members {
                let path = "delegations.\(name)"
                guard !topLevelRoleNames.contains(name), !name.isEmpty, !name.contains("/") else {
                    throw .invalidValue(path: path, reason: "a delegated role needs its own name, without /")
                }
                // Metadata files are named after roles: on a case-insensitive file system (a
                // web server's, a mirror's) `Root` would overwrite `root`, `NPM` would overwrite `npm`.
                let folded = name.lowercased()
                guard !topLevelRoleNames.contains(folded), foldedNames.insert(folded).inserted else {
                    throw .invalidValue(path: path, reason: "differs from another role's name only in case")
                }
                var roleReader = try FieldReader(roleValue, path: path)
                let paths = try roleReader.stringArray("paths")
                let terminating = try roleReader.optionalBool("terminating") ?? false
                let role = try Self.readOfflineRole(roleValue, path: path, holders: names, ignoring: ["paths", "terminating"])
                delegations.append(Delegation(name: name, role: role, paths: paths, terminating: terminating))
            }
            delegations.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        }

        files = []
        if let value = reader.take("files") {
            guard case .object(let object) = value else { throw .wrongType(path: "files", expected: "an object", found: value.typeName) }
            let roles = Set(["targets"] + delegations.map(\.name))
            for (targetPath, fileValue) in object.members {
                let path = "files.\(targetPath)"
                guard Self.isSafeRelativePath(targetPath) else {
                    throw .invalidValue(path: path, reason: "a target path must be relative, without empty, . or .. parts")
                }
                var fileReader = try FieldReader(fileValue, path: path)
                let source = try fileReader.optionalString("file") ?? targetPath
                let custom = fileReader.take("custom")
                let role = try fileReader.optionalString("role") ?? "targets"
                guard roles.contains(role) else { throw .invalidValue(path: "\(path).role", reason: "no role \"\(role)\"") }
                try Self.refuseUnknownFields(fileReader)
                files.append(File(path: targetPath, source: source, custom: custom, role: role))
            }
            files.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        }
        try Self.refuseUnknownFields(reader)
    }

    /// The configuration with every key inline and each file's source set to its target path,
    /// as a workspace keeps it: it needs nothing outside the workspace.
    public var resolvedJSON: JSONValue {
        func role(_ role: OfflineRole) -> JSONObject {
            var object = JSONObject()
            object["holders"] = .array(role.holders.map { .string($0) })
            object["threshold"] = .integer(Int64(role.threshold))
            object["expiry_days"] = .integer(Int64(role.expiryDays))
            object["signing_period_days"] = .integer(Int64(role.signingPeriodDays))
            return object
        }
        func keyReference(_ key: Key) -> JSONValue {
            var object = JSONObject()
            object["key"] = key.json
            return .object(object)
        }
        func lifetime(_ days: Int) -> JSONValue {
            var object = JSONObject()
            object["expiry_days"] = .integer(Int64(days))
            return .object(object)
        }
        var holderObject = JSONObject()
        for holder in holders { holderObject[holder.name] = keyReference(holder.key) }
        var object = JSONObject()
        object["holders"] = .object(holderObject)
        object["online_key"] = keyReference(onlineKey)
        object["root"] = .object(role(root))
        object["targets"] = .object(role(targets))
        object["snapshot"] = lifetime(snapshotExpiryDays)
        object["timestamp"] = lifetime(timestampExpiryDays)
        if testKeys { object["test_keys"] = .bool(true) }
        if !delegations.isEmpty {
            var delegationObject = JSONObject()
            for delegation in delegations {
                var entry = role(delegation.role)
                entry["paths"] = .array(delegation.paths.map { .string($0) })
                entry["terminating"] = .bool(delegation.terminating)
                delegationObject[delegation.name] = .object(entry)
            }
            object["delegations"] = .object(delegationObject)
        }
        if !files.isEmpty {
            var fileObject = JSONObject()
            for file in files {
                var entry = JSONObject()
                entry["role"] = .string(file.role)
                if let custom = file.custom { entry["custom"] = custom }
                fileObject[file.path] = .object(entry)
            }
            object["files"] = .object(fileObject)
        }
        return .object(object)
    }

    static func readKeyReference(_ value: JSONValue, path: String, directory: URL) throws(MetadataError) -> Key {
        var reader = try FieldReader(value, path: path)
        let inline = reader.take("key")
        let file = try reader.optionalString("key_file")
        try refuseUnknownFields(reader)
        switch (inline, file) {
        case (let inline?, nil):
            return try Key(json: inline, path: "\(path).key")
        case (nil, let file?):
            let url = Self.resolve(file, in: directory)
            guard let data = FileManager.default.contents(atPath: url.path), data.count < 1 << 16 else {
                throw .invalidValue(path: "\(path).key_file", reason: "cannot read \(url.path)")
            }
            let json: JSONValue
            do {
                json = try JSONParser().parse(Array(data))
            } catch {
                throw .invalidValue(path: "\(path).key_file", reason: "\(url.path): \(error)")
            }
            // A bare key object, or a record (`key show --json`, `import-pkcs11`) holding one.
            return try Key(json: json.objectValue?["key"] ?? json, path: "\(path).key_file")
        default:
            throw .invalidValue(path: path, reason: "give exactly one of key and key_file")
        }
    }

    static func readOfflineRole(
        _ value: JSONValue,
        path: String,
        holders: Set<String>,
        ignoring ignored: [String] = []
    ) throws(MetadataError) -> OfflineRole {
        var reader = try FieldReader(value, path: path)
        for name in ignored { _ = reader.take(name) }
        let names = try reader.stringArray("holders")
        for name in names where !holders.contains(name) {
            throw .invalidValue(path: "\(path).holders", reason: "\"\(name)\" is not a key holder")
        }
        guard Set(names).count == names.count, !names.isEmpty else {
            throw .invalidValue(path: "\(path).holders", reason: "must name one or more holders, each once")
        }
        let threshold = try reader.integer("threshold")
        guard (1...names.count).contains(threshold) else {
            throw .invalidValue(path: "\(path).threshold", reason: "must be between 1 and the \(names.count) holders")
        }
        let expiry = try days(reader.integer("expiry_days"), path: "\(path).expiry_days")
        let signing = try days(reader.optionalInteger("signing_period_days") ?? max(1, expiry / 6), path: "\(path).signing_period_days")
        try refuseUnknownFields(reader)
        return OfflineRole(holders: names, threshold: threshold, expiryDays: expiry, signingPeriodDays: signing)
    }

    static func readOnlineRole(_ value: JSONValue, path: String) throws(MetadataError) -> Int {
        var reader = try FieldReader(value, path: path)
        let expiry = try days(reader.integer("expiry_days"), path: "\(path).expiry_days")
        try refuseUnknownFields(reader)
        return expiry
    }

    /// The longest lifetime or period a configuration may give, in days (about a century):
    /// every expiry it yields is a date the metadata format can write and read back.
    public static let maximumDays = 36_525

    /// `value` when it is a number of days from 1 to ``maximumDays``.
    public static func days(_ value: Int, path: String) throws(MetadataError) -> Int {
        guard (1...maximumDays).contains(value) else {
            throw .invalidValue(path: path, reason: "must be from 1 to \(maximumDays) days, is \(value)")
        }
        return value
    }

    /// The day count a metadata field written by any tool gives, when it is a number of days
    /// from 1 to ``maximumDays``; nil for anything else, which callers replace by a default.
    static func days(in value: JSONValue?) -> Int? {
        guard let days = value?.integerValue, (1...Int64(maximumDays)).contains(days) else { return nil }
        return Int(days)
    }

    static func refuseUnknownFields(_ reader: FieldReader) throws(MetadataError) {
        for name in reader.remaining.names where name != "comment" && !name.hasPrefix("x-") {
            throw .invalidValue(path: reader.fieldPath(name), reason: "unknown field")
        }
    }

    /// `path` as given if absolute, else inside `directory` (whether or not its URL ends in /).
    static func resolve(_ path: String, in directory: URL) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)
    }

    /// Whether `path` stays inside the folder it is relative to.
    static func isSafeRelativePath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return !path.isEmpty && !path.hasPrefix("/") && parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }
}
