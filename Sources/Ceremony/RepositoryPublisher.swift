import Crypto
import Foundation
import TUF
import TUFClient

/// Writes a consistent-snapshot TUF repository from a ceremony's signed metadata, after proving
/// that clients will accept it.
///
/// Before anything is written, the publisher replays what a client does: from every earlier
/// published root it walks the chain to the newest, then checks timestamp, snapshot and targets
/// against that root, at the time of publishing. Nothing is written unless every walk succeeds.
public struct RepositoryPublisher: Sendable {
    /// The repository folder: metadata goes to `metadata/`, target files to `targets/`.
    public let directory: URL

    /// A publisher writing to `directory`.
    public init(directory: URL) {
        self.directory = directory
    }

    /// Publishes `roots` (every version, oldest first), `targets` and the `delegated` roles'
    /// metadata, the files they list, and a new snapshot and timestamp signed by `online`. The
    /// snapshot and timestamp versions default to the ones after those the repository serves (1
    /// for a new repository).
    ///
    /// - Returns: the timestamp written.
    @discardableResult
    public func publish(
        roots: [Metadata<Root>],
        targets: Metadata<Targets>,
        delegated: [String: Metadata<Targets>] = [:],
        targetFiles: [String: [UInt8]],
        online: some Signer,
        snapshotExpires: Date,
        timestampExpires: Date,
        snapshotVersion: Int? = nil,
        timestampVersion: Int? = nil,
        now: Date = Date()
    ) throws(CeremonyError) -> Metadata<Timestamp> {
        do {
            guard !roots.isEmpty else { throw CeremonyError.noRoot }
            let rootFiles = roots.map { $0.encoded() }
            try proveRootChain(rootFiles)
            let listings = [targets] + delegated.keys.sorted().map { delegated[$0]! }
            let allTargets = listings.flatMap { $0.signed.targets.sorted { $0.key < $1.key } }
            for (path, file) in allTargets {
                try Self.checkTargetPath(path)
                guard let bytes = targetFiles[path] else { throw CeremonyError.targetFile(path, "no file given") }
                do {
                    try file.verify(bytes)
                } catch {
                    throw CeremonyError.targetFile(path, "\(error)")
                }
            }

            let targetsBytes = targets.encoded()
            // What the repository serves now, read once: the versions to follow, and what must not roll back.
            let served = try servedTimestamp()
            let snapshotVersion = snapshotVersion ?? served.map { $0.signed.snapshotMeta.version + 1 } ?? 1
            let timestampVersion = timestampVersion ?? served.map { $0.signed.version + 1 } ?? 1
            try refuseRollback(
                served: served,
                roots.last!.signed.version,
                ["targets": (targets.signed.version, targetsBytes)].merging(
                    delegated.mapValues { ($0.signed.version, $0.encoded()) }
                ) { first, _ in first }
            )
            var meta = ["targets.json": MetaFile(version: targets.signed.version)]
            for (role, metadata) in delegated { meta["\(role).json"] = MetaFile(version: metadata.signed.version) }
            // A repository of test keys says so in every file, online ones included.
            var marker = JSONObject()
            marker[MetadataDraft.testKeyField] = roots.last!.signed.unrecognizedFields[MetadataDraft.testKeyField]
            var snapshot = Metadata(
                signed: Snapshot(version: snapshotVersion, expires: snapshotExpires, meta: meta, unrecognizedFields: marker)
            )
            try snapshot.sign(with: online, keyID: try onlineKeyID(online, role: "snapshot", in: roots.last!.signed))
            let snapshotBytes = snapshot.encoded()
            var timestamp = Metadata(
                signed: Timestamp(
                    version: timestampVersion,
                    expires: timestampExpires,
                    snapshotMeta: MetaFile(
                        version: snapshotVersion,
                        length: snapshotBytes.count,
                        hashes: ["sha256": Hex.encode(SHA256.hash(data: snapshotBytes))]
                    ),
                    unrecognizedFields: marker
                )
            )
            try timestamp.sign(with: online, keyID: try onlineKeyID(online, role: "timestamp", in: roots.last!.signed))
            let timestampBytes = timestamp.encoded()

            do {
                try Self.acceptAsClient(
                    root: rootFiles.last!,
                    timestamp: timestampBytes,
                    snapshot: snapshotBytes,
                    targets: targetsBytes,
                    delegated: delegated.mapValues { $0.encoded() },
                    at: now
                )
            } catch {
                throw CeremonyError.publishWouldBeRefused(error)
            }

            let folder = try ConfinedDirectory.create(directory.path)
            for (root, bytes) in zip(roots, rootFiles) {
                try folder.write(bytes, to: "metadata/\(root.signed.version).root.json")
            }
            try folder.write(rootFiles.last!, to: "metadata/root.json")
            for (path, file) in allTargets { try Self.writeTargetFile(targetFiles[path]!, path: path, file: file, into: folder) }
            try folder.write(targetsBytes, to: "metadata/\(targets.signed.version).targets.json")
            for (role, roleMetadata) in delegated {
                try folder.write(roleMetadata.encoded(), to: "metadata/\(roleMetadata.signed.version).\(percentEncoded(role)).json")
            }
            try folder.write(snapshotBytes, to: "metadata/\(snapshotVersion).snapshot.json")
            // The timestamp last: until it is replaced, clients see the previous repository whole.
            try folder.write(timestampBytes, to: "metadata/timestamp.json")
            return timestamp
        } catch {
            throw CeremonyError(error)
        }
    }

    /// Refuses a target path that would leave the targets folder.
    static func checkTargetPath(_ path: String) throws(CeremonyError) {
        guard CeremonyConfig.isSafeRelativePath(path) else {
            throw .targetFile(path, "a target path must be relative, without empty, . or .. parts")
        }
    }

    /// Writes `bytes`, target `path`, under each of its hash-prefixed names (consistent
    /// snapshots) in the repository's `targets/` folder. A path that would leave the folder,
    /// or pass through a link, is refused.
    static func writeTargetFile(_ bytes: [UInt8], path: String, file: TargetFile, into folder: ConfinedDirectory) throws {
        try checkTargetPath(path)
        var components = path.split(separator: "/").map(String.init)
        let name = components.removeLast()
        for digest in Set(file.hashes.values) {
            try folder.write(bytes, to: (["targets"] + components + ["\(digest).\(name)"]).joined(separator: "/"))
        }
    }

    /// The bytes of the repository file at `relative`, or `nil` when the repository or the file
    /// is absent; a link is refused, never followed.
    func served(_ relative: String) throws(ConfinedDirectory.Error) -> [UInt8]? {
        try ConfinedDirectory.open(directory.path)?.read(relative, limit: 64 << 20)
    }

    /// The timestamp the repository serves now, if it has a readable one.
    func servedTimestamp() throws(ConfinedDirectory.Error) -> Metadata<Timestamp>? {
        try served("metadata/timestamp.json").flatMap { try? Metadata<Timestamp>(bytes: $0) }
    }

    /// Checks that the repository does not already serve a newer root, or a newer or different
    /// version of any targets role, than what would be published.
    func refuseRollback(served: Metadata<Timestamp>?, _ rootVersion: Int, _ roles: [String: (version: Int, bytes: [UInt8])]) throws {
        if let data = try self.served("metadata/root.json"),
            let published = try? Metadata<Root>(bytes: data), published.signed.version > rootVersion
        {
            throw CeremonyError.olderThanPublished(role: "root", published: published.signed.version, proposed: rootVersion)
        }
        guard let timestamp = served,
            let snapshotData = try self.served("metadata/\(timestamp.signed.snapshotMeta.version).snapshot.json"),
            let snapshot = try? Metadata<Snapshot>(bytes: snapshotData)
        else { return }
        for (role, proposed) in roles.sorted(by: { $0.key < $1.key }) {
            guard let published = snapshot.signed.meta["\(role).json"]?.version else { continue }
            let file = "metadata/\(published).\(percentEncoded(role)).json"
            let servedBytes = published == proposed.version ? try self.served(file) : nil
            if published > proposed.version || (published == proposed.version && servedBytes != proposed.bytes) {
                throw CeremonyError.olderThanPublished(role: role, published: published, proposed: proposed.version)
            }
        }
        for name in snapshot.signed.meta.keys.sorted() where name.hasSuffix(".json") {
            let role = String(name.dropLast(".json".count))
            if roles[role] == nil { throw CeremonyError.roleDropped(role) }
        }
    }

    /// The id under which `root` lists `online`'s key for `role` (ids may differ from the key's
    /// own when the entry carries custom fields).
    func onlineKeyID(_ online: some Signer, role: String, in root: Root) throws(CeremonyError) -> String {
        let identity = online.publicKey.identity
        guard let keyID = root.roles[role]?.keyIDs.first(where: { identity != nil && root.keys[$0]?.identity == identity }) else {
            throw .notOnlineKey(role: role, keyID: online.publicKey.keyID)
        }
        return keyID
    }

    /// Checks that a client that has `root` accepts the rest of the repository at `time`.
    static func acceptAsClient(
        root: [UInt8],
        timestamp: [UInt8],
        snapshot: [UInt8],
        targets: [UInt8],
        delegated: [String: [UInt8]] = [:],
        at time: Date
    ) throws(UpdateError) {
        var client = try TrustedMetadataSet(rootBytes: root, referenceTime: time)
        try client.checkFinalRoot()
        try client.updateTimestamp(timestamp)
        try client.updateSnapshot(snapshot)
        try client.updateTargets(targets, role: "targets", delegator: "root")
        for (role, bytes) in delegated.sorted(by: { $0.key < $1.key }) {
            try client.updateTargets(bytes, role: role, delegator: "targets")
        }
    }

    /// Checks that a client trusting any root in `rootFiles` walks, version by version, to the
    /// last one.
    public func proveRootChain(_ rootFiles: [[UInt8]]) throws(CeremonyError) {
        do {
            for start in rootFiles.indices {
                var client: TrustedMetadataSet
                do {
                    client = try TrustedMetadataSet(rootBytes: rootFiles[start], referenceTime: Date())
                } catch {
                    throw CeremonyError.rootChainBroken(from: start + 1, error)
                }
                for next in rootFiles.indices.dropFirst(start + 1) {
                    do {
                        try client.updateRoot(rootFiles[next])
                    } catch {
                        throw CeremonyError.rootChainBroken(from: start + 1, error)
                    }
                }
            }
        } catch {
            throw CeremonyError(error)
        }
    }
}
