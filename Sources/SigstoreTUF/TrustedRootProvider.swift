import Foundation
import NetworkTransport
import Sigstore
import TUF
import TUFClient

/// The current trusted root and signing config of a Sigstore deployment's TUF repository,
/// refreshed through TUF: a Swift program asks for ``currentTrustedMaterial(refreshing:allowExpired:)``
/// and gets a root every step of the TUF client workflow vouched for.
///
/// The provider owns the client folder (``ClientLayout``) and its settings (``ClientSettings``);
/// `trustroot client init` creates them. Offline, it reads only what the last refresh left,
/// through a fetcher that makes no request.
public struct TrustedRootProvider: Sendable {
    /// The targets a refresh keeps current: what verifying and signing need.
    public static let sigstoreFiles = ["trusted_root.json", "signing_config.v0.2.json"]

    /// How to bring a client up to date.
    public struct UpdateMode: Sendable {
        /// Seconds a server may send nothing before a request fails.
        public static let defaultTimeout: Double = 30

        /// Read the cache only; make no request.
        public var offline: Bool
        /// Offline: accept trusted metadata that has expired.
        public var allowExpired: Bool
        /// The lowest root version to accept (else the settings').
        public var minimumRootVersion: Int?
        /// The root version to pin (else the settings').
        public var pinnedRootVersion: Int?
        /// How many root rotations a refresh may walk.
        public var maximumRootRotations = UpdaterConfiguration().maximumRootRotations
        /// Seconds a server may send nothing; a whole transfer may take ten times as long.
        public var timeout = defaultTimeout

        /// A mode: a refresh over the network unless `offline`.
        public init(
            offline: Bool = false,
            allowExpired: Bool = false,
            minimumRootVersion: Int? = nil,
            pinnedRootVersion: Int? = nil,
            timeout: Double = defaultTimeout
        ) {
            self.offline = offline
            self.allowExpired = allowExpired
            self.minimumRootVersion = minimumRootVersion
            self.pinnedRootVersion = pinnedRootVersion
            self.timeout = timeout
        }
    }

    /// A client brought up to date: the updater holding the trusted set, the settings, and the
    /// root versions the refresh walked to.
    public struct Session: Sendable {
        /// The updater, holding the trusted metadata.
        public var updater: Updater
        /// The client's settings (with the time of this refresh).
        public var settings: ClientSettings
        /// The root versions the refresh reached, in order.
        public var rootSteps: [Int]
    }

    /// The client folder.
    public let layout: ClientLayout
    /// Makes the fetcher for a refresh over the network; `file://` repositories and offline
    /// reads use their own.
    public var networkFetcher: @Sendable (_ timeout: Double) -> any Fetcher = { timeout in
        HTTPClientTransport(idleTimeout: timeout, transferTimeout: timeout * 10)
    }

    /// A provider for the client in `layout`.
    public init(layout: ClientLayout) {
        self.layout = layout
    }

    /// Whether a client was set up in the folder (a plain stat, costing no parsing).
    public var hasClient: Bool { FileManager.default.fileExists(atPath: layout.settings.path) }

    /// The trusted material of the client's last refresh (offline), or of a refresh made now:
    /// the trusted root and, when the repository lists one, the signing config, each checked
    /// against the length and hashes the trusted targets metadata gives.
    ///
    /// - Throws: when the trusted metadata has expired (unless `allowExpired`): someone who
    ///   blocks refreshes must not keep verifiers on an old, revoked root; when the repository
    ///   lists no trusted root, or the client has not fetched it.
    public func currentTrustedMaterial(refreshing: Bool, allowExpired: Bool = false) async throws(ProviderError) -> TUFTrustedMaterial {
        var session: Session
        // Refreshing, the files come down while the refreshed metadata is flushed; the bytes
        // used are the ones checked then.
        var downloaded: [DownloadedFile]?
        if refreshing {
            let refreshed = try await refreshDownloadingSigstoreFiles(UpdateMode(), progress: nil, onRootStep: nil)
            session = refreshed.session
            downloaded = refreshed.files
        } else {
            session = try await update(UpdateMode(offline: true, allowExpired: true))
        }
        if !allowExpired { try checkFreshness(session.updater.trusted) }
        guard let (root, rootPath) = try await verifiedTarget("trusted_root.json", &session, downloaded: downloaded) else {
            throw notListed("trusted_root.json", session)
        }
        let trustedRoot: TrustedRoot
        do {
            trustedRoot = try TrustedRoot(bytes: root)
        } catch {
            throw ProviderError(.malformed, "\(rootPath): \(error)")
        }
        let signingConfig = try await verifiedTarget("signing_config.v0.2.json", &session, downloaded: downloaded)
        return TUFTrustedMaterial(
            trustedRoot: trustedRoot,
            trustedRootPath: rootPath,
            signingConfig: signingConfig?.bytes,
            trustedMetadata: session.updater.trusted
        )
    }

    /// The checked bytes and path of target `name`: after a refresh, what it `downloaded` (the
    /// bytes checked, not a second read); offline, the copy the last refresh left. Nil when the
    /// repository lists no such target.
    private func verifiedTarget(_ name: String, _ session: inout Session, downloaded: [DownloadedFile]?) async throws(ProviderError)
        -> (bytes: [UInt8], path: String)?
    {
        guard let downloaded else { return try await clientTarget(name, session: &session) }
        return downloaded.first { $0.name == name }.map { ($0.bytes, $0.path) }
    }

    /// Builds an updater from the client's settings and brings it up to date, or loads the
    /// cache offline; `onRootStep` hears each root version reached. A refresh is recorded in
    /// the settings (``ClientSettings/lastRefresh``) before this returns.
    public func update(
        _ mode: UpdateMode,
        onRootStep: (@Sendable (Int) -> Void)? = nil
    ) async throws(ProviderError) -> Session {
        var settings = try ClientSettings.load(layout)
        var updater = try makeUpdater(mode, settings)
        let steps = RootStepLog()
        do throws(UpdateError) {
            if mode.offline {
                try await updater.loadCached(acceptsExpired: mode.allowExpired)
            } else {
                updater.onRootUpdate = steps.recorder(passingTo: onRootStep)
                try await updater.refresh()
            }
        } catch {
            throw ProviderError(.update(error), error.description)
        }
        if !mode.offline {
            settings.lastRefresh = Date()
            try settings.save(layout)
        }
        return Session(updater: updater, settings: settings, rootSteps: steps.all)
    }

    /// Refreshes as ``update(_:onRootStep:)`` does and downloads
    /// ``sigstoreFiles`` as ``fetchSigstoreFiles(_:progress:)`` does, the downloads and the
    /// settings' write made while the refreshed metadata is still reaching the disk: they need
    /// the checked metadata, not its copy there. Offline, it loads the cache and fetches nothing.
    ///
    /// The failure reported is the one the separate calls would report first: the refresh's
    /// (its checks, then its cache writes), then the settings', then the first file's in
    /// listing order. Since the settings are written once the checks have passed, a cache write
    /// that fails after them leaves the refresh's time recorded (as a failed download always
    /// did); what the client trusts is still only what its metadata folder holds.
    public func refreshFetchingSigstoreFiles(
        _ mode: UpdateMode,
        progress: (@Sendable (_ name: String, _ received: Int, _ total: Int) -> Void)? = nil,
        onRootStep: (@Sendable (Int) -> Void)? = nil
    ) async throws(ProviderError) -> (session: Session, files: [(name: String, path: String)]) {
        guard !mode.offline else {
            let session = try await update(mode, onRootStep: onRootStep)
            return (session, [])
        }
        let refreshed = try await refreshDownloadingSigstoreFiles(mode, progress: progress, onRootStep: onRootStep)
        return (refreshed.session, refreshed.files.map { ($0.name, $0.path) })
    }

    /// ``refreshFetchingSigstoreFiles(_:progress:onRootStep:)`` over the network, with the
    /// checked bytes of each file.
    private func refreshDownloadingSigstoreFiles(
        _ mode: UpdateMode,
        progress: (@Sendable (_ name: String, _ received: Int, _ total: Int) -> Void)?,
        onRootStep: (@Sendable (Int) -> Void)?
    ) async throws(ProviderError) -> (session: Session, files: [DownloadedFile]) {
        var settings = try ClientSettings.load(layout)
        var updater = try makeUpdater(mode, settings)
        let steps = RootStepLog()
        updater.onRootUpdate = steps.recorder(passingTo: onRootStep)
        let outcome: (session: Session, saved: Result<Void, ProviderError>, files: Result<[DownloadedFile], ProviderError>)
        do throws(UpdateError) {
            outcome = try await updater.refresh { refreshed in
                settings.lastRefresh = Date()
                var session = Session(updater: refreshed, settings: settings, rootSteps: steps.all)
                let saving = Task { [session] () -> Result<Void, ProviderError> in
                    Result { () throws(ProviderError) in try session.settings.save(layout) }
                }
                let files: Result<[DownloadedFile], ProviderError>
                do throws(ProviderError) {
                    let downloaded = try await downloadSigstoreFiles(&session, progress: progress)
                    files = .success(downloaded)
                } catch {
                    files = .failure(error)
                }
                let saved = await saving.value
                return (session, saved, files)
            }
        } catch {
            throw ProviderError(.update(error), error.description)
        }
        try outcome.saved.get()
        return (outcome.session, try outcome.files.get())
    }

    /// An updater for the client's repository as `settings` describe it, with the transport
    /// `mode` calls for.
    private func makeUpdater(_ mode: UpdateMode, _ settings: ClientSettings) throws(ProviderError) -> Updater {
        var configuration = UpdaterConfiguration()
        configuration.minimumRootVersion = mode.minimumRootVersion ?? settings.minimumRootVersion
        configuration.pinnedRootVersion = mode.pinnedRootVersion ?? settings.pinnedRootVersion
        configuration.maximumRootRotations = mode.maximumRootRotations
        let fetcher: any Fetcher
        if mode.offline {
            fetcher = OfflineFetcher()
        } else if settings.metadataURL.isFileURL {
            fetcher = FileFetcher()
        } else {
            fetcher = networkFetcher(mode.timeout)
        }
        return Updater(
            // `client init` made the folder with the first root in it: without it no refresh can
            // start, and making an empty one would only hide that.
            cache: try layout.metadataCache(creating: false),
            metadataBaseURL: settings.metadataURL,
            fetcher: fetcher,
            configuration: configuration
        )
    }

    /// Starts getting the network transport of a refresh in `mode` ready, before the client's
    /// settings name the repository, so that a caller can overlap that setup with reading them
    /// (``update(_:onRootStep:)`` asks again once the URL is known). Nothing
    /// is started offline; for a `file://` repository, the setup goes unused.
    public func prepareNetwork(for mode: UpdateMode) {
        guard !mode.offline else { return }
        networkFetcher(mode.timeout).prepare()
    }

    /// Downloads (or finds current) each of ``sigstoreFiles`` the trusted metadata lists,
    /// checked against its length and hashes, into the client's targets folder.
    public func fetchSigstoreFiles(
        _ session: inout Session,
        progress: (@Sendable (_ name: String, _ received: Int, _ total: Int) -> Void)? = nil
    ) async throws(ProviderError) -> [(name: String, path: String)] {
        try await downloadSigstoreFiles(&session, progress: progress).map { ($0.name, $0.path) }
    }

    /// A file of ``sigstoreFiles`` as a refresh left it: its name, its path in the client's
    /// targets folder, and the bytes checked against the trusted metadata.
    private struct DownloadedFile: Sendable {
        let name: String
        let path: String
        let bytes: [UInt8]
    }

    /// ``fetchSigstoreFiles(_:progress:)``, with the checked bytes of each file, in listing order.
    private func downloadSigstoreFiles(
        _ session: inout Session,
        progress: (@Sendable (_ name: String, _ received: Int, _ total: Int) -> Void)?
    ) async throws(ProviderError) -> [DownloadedFile] {
        // What each file should be is settled first, in order (it may take delegated metadata);
        // the downloads, independent of each other, then run side by side.
        var listed: [(name: String, info: TargetFile)] = []
        for name in Self.sigstoreFiles {
            if let info = try await targetInfo(name, &session) { listed.append((name, info)) }
        }
        let settled = session
        let outcomes = await withTaskGroup(of: (Int, Result<[UInt8], ProviderError>).self) { group in
            for (index, file) in listed.enumerated() {
                group.addTask {
                    let outcome: Result<[UInt8], ProviderError>
                    do throws(ProviderError) {
                        let bytes = try await fetch(file.name, file.info, settled, progress: progress)
                        outcome = .success(bytes)
                    } catch {
                        outcome = .failure(error)
                    }
                    return (index, outcome)
                }
            }
            var outcomes: [Int: Result<[UInt8], ProviderError>] = [:]
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
        // In listing order, so the failure reported is the first file's, whichever finished first.
        var files: [DownloadedFile] = []
        for (index, file) in listed.enumerated() {
            let path = layout.target(file.name).path
            guard let outcome = outcomes[index] else { throw ProviderError(.notFetched, "\(path): the download did not report back") }
            files.append(DownloadedFile(name: file.name, path: path, bytes: try outcome.get()))
        }
        return files
    }

    /// What the trusted targets metadata lists for `name`; nil when it lists nothing.
    public func targetInfo(_ name: String, _ session: inout Session) async throws(ProviderError) -> TargetFile? {
        do {
            return try await session.updater.targetInfo(name)
        } catch {
            throw ProviderError(.update(error), error.description)
        }
    }

    /// The verified bytes of `target`: the client's copy (``ClientLayout/target(_:)``) when it
    /// is current, else downloaded there. Either way the bytes returned are the ones checked,
    /// never a second read of the file.
    public func fetch(
        _ target: String,
        _ info: TargetFile,
        _ session: Session,
        progress: (@Sendable (_ name: String, _ received: Int, _ total: Int) -> Void)? = nil
    ) async throws(ProviderError) -> [UInt8] {
        guard let folder = try layout.targetsFolder(creating: true) else {
            throw ProviderError(.storage, "\(layout.targets.path): cannot create folder")
        }
        let name = caseSafeFileName(target)
        if let bytes = session.updater.verifiedCopy(info, in: folder, named: name) { return bytes }
        let base = session.settings.targetsURL
        do {
            // Every read of these files checks them against the trusted targets metadata, which is
            // flushed: one a power cut tore or undid is fetched again, never used, so it need not
            // cost two disk flushes a file.
            return try await session.updater.downloadTarget(target, info, from: base, into: folder, named: name, syncing: false) {
                received in
                progress?(target, received, info.length)
            }
        } catch {
            guard case .fetch(let failure) = error, failure.isNotFound else { throw ProviderError(.update(error), error.description) }
            let hint = "the trusted metadata lists \(target), but the targets URL \(base.absoluteString) does not serve it"
            throw ProviderError(.targetNotServed, "\(failure.description): \(hint); check it, or init again with --targets-url")
        }
    }

    /// The bytes and path of `name` as the client's last refresh fetched it, read once and
    /// checked against the length and hashes the trusted metadata lists; nil when the
    /// repository lists no such target.
    ///
    /// - Throws: when the repository lists it but the client has not fetched it, or the copy
    ///   does not match.
    public func clientTarget(_ name: String, session: inout Session) async throws(ProviderError) -> (bytes: [UInt8], path: String)? {
        let file = caseSafeFileName(name)
        let path = layout.targets.appendingPathComponent(file).path
        guard let info = try await targetInfo(name, &session) else { return nil }
        let folder = try layout.targetsFolder(creating: false)
        let bytes: [UInt8]?
        do {
            bytes = try folder?.read(file, limit: min(info.length, 64 << 20))
        } catch {
            throw ProviderError(.file(error), error.description)
        }
        guard let bytes else {
            throw ProviderError(
                .notFetched,
                "\(path): the client has not fetched \(name) yet: run `trustroot client refresh --cache \(layout.root.path)`"
            )
        }
        guard (try? info.verify(bytes)) != nil else {
            throw ProviderError(
                .mismatch,
                "\(path): does not match the length and hashes the client's trusted targets metadata lists: run `trustroot client refresh --cache \(layout.root.path)`"
            )
        }
        return (bytes, path)
    }

    /// The failure for a target the repository does not list.
    public func notListed(_ name: String, _ session: Session) -> ProviderError {
        ProviderError(
            .notListed,
            "\(layout.root.path): the client's repository (\(session.settings.metadataURL.absoluteString)) lists no \(name): give the file with \(name == "trusted_root.json" ? "--trusted-root" : "--signing-config")"
        )
    }

    /// Refuses trusted metadata that has expired, naming the role and the date.
    public func checkFreshness(_ trusted: TrustedMetadataSet?, at now: Date = Date()) throws(ProviderError) {
        guard let (role, date, others) = Self.expiry(trusted, at: now) else { return }
        throw ProviderError(
            .expired,
            "\(layout.root.path): the client's trusted \(role) metadata expired on \(MetadataDate.format(date)), \(Self.describeAge(since: date)) ago\(others): run `trustroot client refresh`, or pass --allow-expired-trusted-root to use the old trusted root anyway"
        )
    }

    /// The role of `trusted` that expired first, when, and the others that have expired.
    public static func expiry(_ trusted: TrustedMetadataSet?, at now: Date = Date()) -> (role: String, expires: Date, others: String)? {
        guard let trusted else { return nil }
        let expired = trusted.expirations(at: now)
        guard let (role, date) = expired.min(by: { $0.expires < $1.expires }) else { return nil }
        let others = expired.count > 1 ? " (also expired: \(expired.map(\.role).filter { $0 != role }.joined(separator: ", ")))" : ""
        return (role, date, others)
    }

    /// A time span in the largest whole unit that reads well: seconds, minutes, hours, days.
    public static func describeAge(since date: Date, now: Date = Date()) -> String {
        let seconds = Int(now.timeIntervalSince(date))
        if seconds < 120 { return "\(seconds) seconds" }
        if seconds < 7_200 { return "\(seconds / 60) minutes" }
        if seconds < 172_800 { return "\(seconds / 3_600) hours" }
        return "\(seconds / 86_400) days"
    }
}

/// Collects the root versions a refresh reaches, from the updater's callback.
private final class RootStepLog: @unchecked Sendable {
    private let lock = NSLock()
    private var versions: [Int] = []
    func append(_ version: Int) { lock.withLock { versions.append(version) } }
    var all: [Int] { lock.withLock { versions } }

    /// An updater callback that records each version and then tells `listener`.
    func recorder(passingTo listener: (@Sendable (Int) -> Void)?) -> @Sendable (Int) async -> Void {
        { version in
            self.append(version)
            listener?(version)
        }
    }
}
