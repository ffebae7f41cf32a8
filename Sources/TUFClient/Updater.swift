import Foundation
import TUF

/// A TUF client: refreshes trusted metadata from a repository into a local cache following the
/// specification's client workflow (5.2 to 5.7), finds targets through delegations, and
/// downloads target files after checking them.
public struct Updater: Sendable {
    /// Where trusted metadata is kept.
    public let cache: MetadataCache
    /// The repository's metadata URL (the folder holding `timestamp.json`).
    public let metadataBaseURL: URL
    /// The transport.
    public let fetcher: any Fetcher
    /// Limits and pins.
    public var configuration: UpdaterConfiguration
    /// Called after each new root version is trusted, with that version (the newest is stored
    /// when the walk ends). The walk goes on when it returns; a caller that waits for something
    /// awaits rather than blocks, since the walk's read-ahead needs a thread to run on.
    public var onRootUpdate: (@Sendable (Int) async -> Void)?
    /// The metadata trusted by the last update, if any.
    public private(set) var trusted: TrustedMetadataSet?

    /// An updater over `cache`, which must already hold a trusted `root.json`.
    public init(
        cache: MetadataCache,
        metadataBaseURL: URL,
        fetcher: any Fetcher,
        configuration: UpdaterConfiguration = UpdaterConfiguration()
    ) {
        self.cache = cache
        self.metadataBaseURL = metadataBaseURL
        self.fetcher = fetcher
        self.configuration = configuration
    }

    /// Updates root, timestamp, snapshot and top-level targets, all checked at one reference
    /// time, holding the cache lock throughout.
    public mutating func refresh(referenceTime: Date = Date()) async throws(UpdateError) {
        try await refresh(referenceTime: referenceTime) { _ in () }
    }

    /// Updates as ``refresh(referenceTime:)`` does, then runs `alongside` on an updater holding
    /// the new trusted metadata while that metadata is still reaching the disk, and returns what
    /// `alongside` returned once both are done.
    ///
    /// For work that needs the refreshed metadata but not its copy on disk, such as downloading
    /// the targets it lists: the work and the disk flushes then overlap instead of following each
    /// other. `alongside` runs with the cache lock held, and only after every check of the
    /// refresh passed; a cache write that failed is thrown in place of its result, since the
    /// metadata it used would then not be the client's after all. Metadata it fetches (a
    /// delegated role) is written to the cache at once, beside the refresh's writes: each file is
    /// checked again whenever it is read, so their order on disk does not matter.
    public mutating func refresh<Outcome>(
        referenceTime: Date = Date(),
        alongside: (Updater) async -> Outcome
    ) async throws(UpdateError) -> Outcome {
        // The transport sets up on another thread while the trusted root is read and checked.
        fetcher.prepare(for: metadataBaseURL)
        let cache = self.cache
        var copy = self
        let (set, outcome) = try await cache.withLock { () throws(UpdateError) -> (TrustedMetadataSet, Outcome) in
            let outcome = try await copy.performRefresh(referenceTime: referenceTime, alongside: alongside)
            return (copy.trusted!, outcome)
        }
        trusted = set
        return outcome
    }

    private mutating func performRefresh<Outcome>(
        referenceTime: Date,
        alongside: (Updater) async -> Outcome
    ) async throws(UpdateError) -> Outcome {
        guard let localRoot = cache.read("root", maximumBytes: configuration.rootMaximumBytes) else {
            throw .storage(path: cache.url(for: "root").path, reason: "no trusted root: initialize the cache first")
        }
        // The walk's first request is made while the trusted root's own signatures are checked:
        // it needs only the root's version, and nothing it brings is trusted before the walk
        // checks it against the root, which by then has passed or ended the update.
        let parsedRoot: Metadata<Root> = try TrustedMetadataSet.parse(localRoot, role: "root")
        let readAhead = rootWalk(from: parsedRoot.signed.version)
        defer { readAhead?.cancel() }
        var set = try TrustedMetadataSet(root: parsedRoot, referenceTime: referenceTime)
        let writes = WriteBehind(cache: cache)
        let checked: Result<Void, UpdateError>
        do throws(UpdateError) {
            try await loadRoot(&set, startedWalk: readAhead, writes: writes)
            try await loadTimestamp(&set, writes: writes)
            try await loadSnapshot(&set, writes: writes)
            trusted = set
            _ = try await loadTargets("targets", delegator: "root", writes: writes)
            checked = .success(())
        } catch {
            checked = .failure(error)
        }
        // A write is asked for only once its file has been checked, so a failed write belongs to
        // an earlier step than any other failure: it is the one to report.
        switch checked {
        case .success:
            let outcome = await alongside(self)
            try await writes.flush()
            return outcome
        case .failure(let failure):
            try await writes.flush()
            throw failure
        }
    }

    /// The last root version a walk from `start` may reach.
    private func lastRootVersion(from start: Int) -> Int {
        // Versions and rotation counts come from files and flags: saturate, never trap.
        let (sum, overflow) = start.addingReportingOverflow(configuration.maximumRootRotations)
        return configuration.pinnedRootVersion ?? (overflow ? Int.max : sum)
    }

    /// The read-ahead of a walk from root `start` up to `last`.
    private func readAhead(from start: Int, to last: Int) -> RootReadAhead {
        RootReadAhead(fetcher: fetcher, maximumBytes: configuration.rootMaximumBytes, last: last) {
            metadataURL("root", version: $0)
        }
    }

    /// The read-ahead of a walk from root `start`, its first version already being fetched, or
    /// nil when the walk will not be made.
    private func rootWalk(from start: Int) -> RootReadAhead? {
        // A pin below `start` is the last version, so this also leaves that refusal to the walk.
        let last = lastRootVersion(from: start)
        guard start < last else { return nil }
        let walk = readAhead(from: start, to: last)
        walk.begin(start + 1)
        return walk
    }

    /// Walks the root to its newest version (5.3), through `startedWalk` when it was started for
    /// this root.
    private func loadRoot(_ set: inout TrustedMetadataSet, startedWalk: RootReadAhead?, writes: WriteBehind) async throws(UpdateError) {
        let initialRoot = set.root.signed
        let start = initialRoot.version
        if let pinned = configuration.pinnedRootVersion, start > pinned {
            throw .pinnedRootUnavailable(pinned: pinned, reached: start)
        }
        let last = lastRootVersion(from: start)
        guard start < last else { return }
        let readAhead = startedWalk ?? readAhead(from: start, to: last)
        defer { readAhead.cancel() }
        // The newest verified root is written once, when the walk ends however it ends: a crash
        // before that leaves the starting root, which is as safe and only redoes the walk, while
        // writing every step would make a long chain cost a file sync per version.
        var verified: [UInt8]?
        var failure: UpdateError?
        do throws(UpdateError) {
            var version = start + 1
            while version <= last {
                let prepared: PreparedRoot
                do {
                    prepared = try await readAhead.next(version, stepsTaken: version - start - 1)
                } catch let error where error.isNotFound {
                    break
                } catch {
                    throw .fetch(error)
                }
                try set.updateRoot(prepared)
                verified = prepared.bytes
                await onRootUpdate?(version)
                // `last` may be Int.max: stop at it rather than step past it.
                guard version < last else { break }
                version += 1
            }
        } catch {
            failure = error
        }
        if let verified { writes.write("root", verified) }
        if let failure { throw failure }
        try checkRootPins(set)
        try set.checkFinalRoot()
        // 5.3.11: new timestamp or snapshot keys make the stored copies worthless as rollback
        // references; remove them rather than keep files no key can vouch for.
        if initialRoot.roles["timestamp"] != set.root.signed.roles["timestamp"]
            || initialRoot.roles["snapshot"] != set.root.signed.roles["snapshot"]
        {
            // Removed before the update reads them as rollback references, and after the new
            // root is stored.
            try await writes.flush()
            try cache.remove("timestamp")
            try cache.remove("snapshot")
        }
    }

    private func checkRootPins(_ set: TrustedMetadataSet) throws(UpdateError) {
        let reached = set.root.signed.version
        if let pinned = configuration.pinnedRootVersion, reached != pinned {
            throw .pinnedRootUnavailable(pinned: pinned, reached: reached)
        }
        if let minimum = configuration.minimumRootVersion, reached < minimum {
            throw .rootBelowMinimum(version: reached, minimum: minimum)
        }
    }

    /// Trusts what the cache holds, without the network: root, timestamp, snapshot and top-level
    /// targets, checked against each other as in an update (signatures, versions, hashes,
    /// pins). Expired metadata is refused unless `acceptsExpired`; ``TrustedMetadataSet/expiredRoles``
    /// then says which roles the caller should warn about.
    public mutating func loadCached(referenceTime: Date = Date(), acceptsExpired: Bool = false) async throws(UpdateError) {
        let configuration = self.configuration
        let cache = self.cache
        let set = try await cache.withLock { () throws(UpdateError) -> TrustedMetadataSet in
            func stored(_ role: String, _ limit: Int) throws(UpdateError) -> [UInt8] {
                guard let bytes = cache.read(role, maximumBytes: limit) else {
                    throw .storage(path: cache.url(for: role).path, reason: "not in the cache: refresh while online first")
                }
                return bytes
            }
            var set = try TrustedMetadataSet(
                rootBytes: try stored("root", configuration.rootMaximumBytes),
                referenceTime: referenceTime,
                acceptsExpired: acceptsExpired
            )
            try self.checkRootPins(set)
            try set.checkFinalRoot()
            try set.updateTimestamp(try stored("timestamp", configuration.timestampMaximumBytes))
            try set.updateSnapshot(try stored("snapshot", configuration.snapshotMaximumBytes), fromCache: true)
            try set.updateTargets(try stored("targets", configuration.targetsMaximumBytes), role: "targets", delegator: "root")
            return set
        }
        trusted = set
    }

    private func loadTimestamp(_ set: inout TrustedMetadataSet, writes: WriteBehind) async throws(UpdateError) {
        if let local = cache.read("timestamp", maximumBytes: configuration.timestampMaximumBytes) {
            // An expired or otherwise stale local copy still serves as the rollback reference.
            _ = try? set.updateTimestamp(local)
        }
        let bytes = try await fetch("timestamp", version: nil, maximumBytes: configuration.timestampMaximumBytes)
        if try set.updateTimestamp(bytes) {
            writes.write("timestamp", bytes)
        }
    }

    private func loadSnapshot(_ set: inout TrustedMetadataSet, writes: WriteBehind) async throws(UpdateError) {
        if let local = cache.read("snapshot", maximumBytes: configuration.snapshotMaximumBytes),
            (try? set.updateSnapshot(local, fromCache: true)) != nil
        {
            return
        }
        let meta = set.timestamp!.signed.snapshotMeta
        let consistent = set.root.signed.consistentSnapshot == true
        let bytes = try await fetch(
            "snapshot",
            version: consistent ? meta.version : nil,
            maximumBytes: meta.length ?? configuration.snapshotMaximumBytes
        )
        try set.updateSnapshot(bytes)
        writes.write("snapshot", bytes)
    }

    /// The trusted targets metadata of `role`, delegated by `delegator`: already trusted in this
    /// update, else the cached copy if it still verifies, else fetched and stored (through
    /// `writes` during a refresh, at once otherwise).
    private mutating func loadTargets(_ role: String, delegator: String, writes: WriteBehind? = nil) async throws(UpdateError)
        -> Targets
    {
        guard var set = trusted else { throw .outOfOrder("refresh before loading targets") }
        if let targets = try set.trustedTargets(role, delegator: delegator) { return targets }
        if let local = cache.read(role, maximumBytes: configuration.targetsMaximumBytes),
            let targets = try? set.updateTargets(local, role: role, delegator: delegator)
        {
            trusted = set
            return targets
        }
        guard let meta = set.snapshot?.signed.meta["\(role).json"] else { throw .missingFromSnapshot(role: role) }
        let consistent = set.root.signed.consistentSnapshot == true
        let bytes = try await fetch(
            role,
            version: consistent ? meta.version : nil,
            maximumBytes: meta.length ?? configuration.targetsMaximumBytes
        )
        let targets = try set.updateTargets(bytes, role: role, delegator: delegator)
        if let writes { writes.write(role, bytes) } else { try cache.write(role, bytes) }
        trusted = set
        return targets
    }

    /// The target file entry for `path`, found by a pre-order depth-first search of the
    /// delegation graph (refreshing first if this updater has not). `nil` when no role that is
    /// trusted for the path lists it, or the search bound is reached first.
    public mutating func targetInfo(_ path: String) async throws(UpdateError) -> TargetFile? {
        if trusted == nil { try await refresh() }
        var toVisit: [(role: String, delegator: String)] = [("targets", "root")]
        var visited = Set<String>()
        while !toVisit.isEmpty && visited.count <= configuration.maximumDelegations {
            let (role, delegator) = toVisit.removeLast()
            if visited.contains(role) { continue }
            let targets = try await loadTargets(role, delegator: delegator)
            if let file = targets.targets[path] { return file }
            visited.insert(role)
            guard let delegations = targets.delegations else { continue }
            var children: [(role: String, delegator: String)] = []
            for child in delegations.rolesForTarget(path) {
                children.append((child.name, role))
                if child.terminating {
                    toVisit.removeAll()
                    break
                }
            }
            toVisit.append(contentsOf: children.reversed())
        }
        return nil
    }

    /// Whether `destination` already holds `info`'s exact content.
    public func isCached(_ info: TargetFile, at destination: URL) -> Bool {
        verifiedCopy(info, at: destination) != nil
    }

    /// The bytes `destination` holds when they are exactly `info`'s content, read once without
    /// following a link at `destination`; nil otherwise.
    public func verifiedCopy(_ info: TargetFile, at destination: URL) -> [UInt8]? {
        guard let folder = try? Self.folder(holding: destination) else { return nil }
        return verifiedCopy(info, in: folder, named: destination.lastPathComponent)
    }

    /// The bytes of the file `name` in the open `folder` when they are exactly `info`'s
    /// content, read once without following a link; nil otherwise.
    public func verifiedCopy(_ info: TargetFile, in folder: ConfinedDirectory, named name: String) -> [UInt8]? {
        guard let bytes = try? folder.read(name, limit: info.length), (try? info.verify(bytes)) != nil else { return nil }
        return bytes
    }

    /// Downloads the target at `path` as ``downloadTarget(_:_:from:into:named:syncing:progress:)``
    /// does, into the folder that holds `destination` (opened by its path, the caller's choice),
    /// as the file `destination` names there.
    @discardableResult
    public func downloadTarget(
        _ path: String,
        _ info: TargetFile,
        from targetBaseURL: URL,
        to destination: URL,
        syncing: Bool = true,
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws(UpdateError) -> [UInt8] {
        try await downloadTarget(
            path,
            info,
            from: targetBaseURL,
            into: try Self.folder(holding: destination),
            named: destination.lastPathComponent,
            syncing: syncing,
            progress: progress
        )
    }

    /// The folder that holds `destination`, opened by its path (the caller's choice).
    private static func folder(holding destination: URL) throws(UpdateError) -> ConfinedDirectory {
        let parent = destination.deletingLastPathComponent().path
        let opened: ConfinedDirectory?
        do {
            opened = try ConfinedDirectory.open(parent)
        } catch {
            throw .storage(path: error.path, reason: error.reason)
        }
        guard let opened else { throw .storage(path: parent, reason: "no such folder") }
        return opened
    }

    /// Downloads the target at `path`, described by `info`, from `targetBaseURL`, checks its
    /// length and hashes, and writes it atomically as the file `name` of the open `folder`,
    /// refusing a link there; `progress` is told the bytes received as they arrive. Returns the
    /// bytes checked and written.
    ///
    /// The file is flushed to disk unless `syncing` is false, which suits only a file that is
    /// read back through ``verifiedCopy(_:in:named:)`` (see `ConfinedDirectory.write(_:to:syncing:)`
    /// in Plumbing).
    @discardableResult
    public func downloadTarget(
        _ path: String,
        _ info: TargetFile,
        from targetBaseURL: URL,
        into folder: ConfinedDirectory,
        named name: String,
        syncing: Bool = true,
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws(UpdateError) -> [UInt8] {
        // Names come from metadata: one with an empty, `.` or `..` part (or a prefix that is not a
        // hex digest) would name a file outside the repository's targets, on a `file://` one above all.
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            throw .unsafeTargetPath(path)
        }
        var remotePath = parts.map { percentEncoded(String($0)) }
        if configuration.prefixTargetsWithHash, trusted?.root.signed.consistentSnapshot == true,
            let digest = Self.preferredHash(info), let name = remotePath.popLast()
        {
            guard !digest.isEmpty, digest.utf8.allSatisfy({ Hex.isDigit($0) }) else { throw .unsafeTargetPath("\(digest).\(path)") }
            remotePath.append("\(digest).\(name)")
        }
        let url = URL(string: Self.joined(targetBaseURL, remotePath.joined(separator: "/")))!
        let bytes: [UInt8]
        do {
            if let progress {
                bytes = try await fetcher.fetch(url, maximumBytes: info.length, progress: progress)
            } else {
                bytes = try await fetcher.fetch(url, maximumBytes: info.length)
            }
        } catch {
            throw .fetch(error)
        }
        do {
            try info.verify(bytes)
        } catch {
            throw .lengthOrHashMismatch(file: path, error)
        }
        do {
            try folder.write(bytes, to: name, syncing: syncing)
        } catch {
            throw .storage(path: error.path, reason: error.reason)
        }
        return bytes
    }

    /// The hash that names a consistent-snapshot target file: SHA-256 when listed, else the
    /// first of the others in a fixed order.
    static func preferredHash(_ info: TargetFile) -> String? {
        for algorithm in ["sha256", "sha512"] { if let digest = info.hashes[algorithm] { return digest } }
        return info.hashes.sorted { $0.key < $1.key }.first?.value
    }

    private func fetch(_ role: String, version: Int?, maximumBytes: Int) async throws(UpdateError) -> [UInt8] {
        do {
            return try await fetcher.fetch(metadataURL(role, version: version), maximumBytes: maximumBytes)
        } catch {
            throw .fetch(error)
        }
    }

    /// The URL of `role`'s metadata, version-prefixed when `version` is given.
    public func metadataURL(_ role: String, version: Int?) -> URL {
        let name = (version.map { "\($0)." } ?? "") + percentEncoded(role) + ".json"
        return URL(string: Self.joined(metadataBaseURL, name))!
    }

    private static func joined(_ base: URL, _ relative: String) -> String {
        var string = base.absoluteString
        while string.hasSuffix("/") { string.removeLast() }
        return "\(string)/\(relative)"
    }
}
