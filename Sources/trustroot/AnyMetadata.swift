import Foundation
import TUF

/// A metadata file of whichever type its `_type` says.
enum AnyMetadata {
    case root(Metadata<Root>)
    case timestamp(Metadata<Timestamp>)
    case snapshot(Metadata<Snapshot>)
    case targets(Metadata<Targets>)

    /// Reads and parses the file at `path`.
    init(path: String) throws(CLIError) {
        let bytes = try readFile(path)
        do {
            let json = try JSONParser().parse(bytes)
            guard let type = json.objectValue?["signed"]?.objectValue?["_type"]?.stringValue else {
                throw MetadataError.missingField(path: "signed._type")
            }
            switch type {
            case Root.metadataType: self = .root(try Metadata(json: json))
            case Timestamp.metadataType: self = .timestamp(try Metadata(json: json))
            case Snapshot.metadataType: self = .snapshot(try Metadata(json: json))
            case Targets.metadataType: self = .targets(try Metadata(json: json))
            default:
                throw MetadataError.invalidValue(
                    path: "signed._type",
                    reason: "unknown metadata type \"\(type)\""
                )
            }
        } catch let error as JSONParseError {
            throw .invalid(path, .invalidJSON(error))
        } catch let error as MetadataError {
            throw .invalid(path, error)
        } catch {
            throw CLIError(message: "\(path): \(error)", code: .invalidData)
        }
    }

    var type: String {
        switch self {
        case .root: return Root.metadataType
        case .timestamp: return Timestamp.metadataType
        case .snapshot: return Snapshot.metadataType
        case .targets: return Targets.metadataType
        }
    }

    var signedBytes: [UInt8] {
        switch self {
        case .root(let metadata): return metadata.signedBytes
        case .timestamp(let metadata): return metadata.signedBytes
        case .snapshot(let metadata): return metadata.signedBytes
        case .targets(let metadata): return metadata.signedBytes
        }
    }

    private var common: (version: Int, expires: Date, specVersion: String, signatures: Int) {
        switch self {
        case .root(let m):
            return (m.signed.version, m.signed.expires, m.signed.specVersion, m.signatures.count)
        case .timestamp(let m):
            return (m.signed.version, m.signed.expires, m.signed.specVersion, m.signatures.count)
        case .snapshot(let m):
            return (m.signed.version, m.signed.expires, m.signed.specVersion, m.signatures.count)
        case .targets(let m):
            return (m.signed.version, m.signed.expires, m.signed.specVersion, m.signatures.count)
        }
    }

    var expires: Date { common.expires }

    func isExpired(at date: Date) -> Bool { date >= expires }

    /// Checks this document as role `role` against the delegator `root`.
    func verify(_ role: String, with root: Root) throws(MetadataError) -> ThresholdVerification {
        switch self {
        case .root(let m): return try root.verifyDelegate(role, metadata: m)
        case .timestamp(let m): return try root.verifyDelegate(role, metadata: m)
        case .snapshot(let m): return try root.verifyDelegate(role, metadata: m)
        case .targets(let m): return try root.verifyDelegate(role, metadata: m)
        }
    }

    /// Checks this document as delegated role `role` against the delegating `targets`.
    func verify(_ role: String, with targets: Targets) throws(MetadataError) -> ThresholdVerification {
        guard case .targets(let m) = self else {
            throw .wrongMetadataType(expected: Targets.metadataType, found: type)
        }
        return try targets.verifyDelegate(role, metadata: m)
    }

    /// What `metadata show --json` prints.
    var summary: JSONValue {
        var object = JSONObject()
        let (version, expires, specVersion, signatures) = common
        object["type"] = .string(type)
        object["version"] = .integer(Int64(version))
        object["spec_version"] = .string(specVersion)
        object["expires"] = .string(MetadataDate.format(expires))
        object["signatures"] = .integer(Int64(signatures))
        switch self {
        case .root(let m):
            object["keys"] = .object(
                JSONObject(m.signed.keys) {
                    [
                        "keytype": .string($0.keyType), "scheme": .string($0.scheme),
                        "supported": .bool($0.isSupported),
                    ]
                }
            )
            object["roles"] = .object(
                JSONObject(m.signed.roles) {
                    [
                        "keyids": .array($0.keyIDs.map { .string($0) }),
                        "threshold": .integer(Int64($0.threshold)),
                    ]
                }
            )
        case .timestamp(let m):
            object["snapshot_version"] = .integer(Int64(m.signed.snapshotMeta.version))
        case .snapshot(let m):
            object["meta"] = .object(JSONObject(m.signed.meta) { .integer(Int64($0.version)) })
        case .targets(let m):
            object["targets"] = .array(m.signed.targets.keys.sorted().map { .string($0) })
            if case .list(let roles)? = m.signed.delegations?.roles {
                object["delegations"] = .array(roles.map { .string($0.name) })
            } else if case .succinct(let bins)? = m.signed.delegations?.roles {
                object["delegations"] = .string("\(bins.numberOfBins) hash bins \(bins.namePrefix)-*")
            }
        }
        return .object(object)
    }

    /// What `metadata show` prints.
    var summaryText: String {
        let (version, expires, specVersion, signatures) = common
        var lines = [
            "\(type) version \(version) (spec \(specVersion)), expires \(MetadataDate.format(expires)), \(signatures) signature(s)"
        ]
        switch self {
        case .root(let m):
            for name in ["root", "timestamp", "snapshot", "targets"] {
                guard let role = m.signed.roles[name] else { continue }
                lines.append("  \(name): \(role.threshold) of \(role.keyIDs.count) keys")
                for keyID in role.keyIDs {
                    let key = m.signed.keys[keyID]
                    lines.append(
                        "    \(keyID)  \(key.map { "\($0.keyType)/\($0.scheme)" } ?? "(key not listed)")"
                    )
                }
            }
        case .timestamp(let m):
            lines.append("  snapshot.json version \(m.signed.snapshotMeta.version)")
        case .snapshot(let m):
            for (name, meta) in m.signed.meta.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(name) version \(meta.version)")
            }
        case .targets(let m):
            for (path, file) in m.signed.targets.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(path)  \(file.length) bytes")
            }
            if case .list(let roles)? = m.signed.delegations?.roles {
                for role in roles {
                    lines.append("  delegates to \(role.name) (\(role.threshold) of \(role.keyIDs.count))")
                }
            } else if case .succinct(let bins)? = m.signed.delegations?.roles {
                lines.append("  delegates to \(bins.numberOfBins) hash bins \(bins.namePrefix)-*")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
