import Foundation
import Sigstore
import SigstoreTUF
import TUF
import TUFClient
import TestSupport
import Testing

/// The TUF-backed trusted root: refreshed through TUF in one call, then used offline by a
/// verification that makes no request at all.
@Suite("Trusted root provider")
struct TrustedRootProviderTests {
    /// A transport that serves `https://repo.test/…` from a folder, or (with no folder) fails
    /// every call; either way it counts the calls.
    final class RecordingFetcher: Fetcher, @unchecked Sendable {
        let folder: URL?
        private let lock = NSLock()
        private var count = 0
        var calls: Int { lock.withLock { count } }

        init(serving folder: URL?) { self.folder = folder }

        func fetch(_ url: URL, maximumBytes: Int) async throws(FetchError) -> [UInt8] {
            lock.withLock { count += 1 }
            guard let folder else { throw FetchError.transport(url: url.absoluteString, reason: "this test allows no request") }
            let file = folder.appendingPathComponent(url.path)
            guard let data = FileManager.default.contents(atPath: file.path) else {
                throw FetchError.httpStatus(url: url.absoluteString, status: 404)
            }
            guard data.count <= maximumBytes else { throw FetchError.tooLarge(url: url.absoluteString, limit: maximumBytes) }
            return Array(data)
        }
    }

    static let artifact = Array("release\n".utf8)

    /// A python-tuf repository in `folder/repo` whose target is `instance`'s trusted root, and a
    /// client in `folder/client` trusting its first root, at `https://repo.test`.
    static func client(of instance: TestInstance, in folder: TemporaryDirectory) async throws -> ClientLayout {
        try folder.write("trusted_root.json", instance.trustedRoot())
        _ = try await Python.run("tuf_repo.py", [folder.file("repo").path, folder.file("trusted_root.json").path])
        let layout = ClientLayout(folder.file("client").path)
        try MetadataCache(directory: layout.metadata).bootstrap(rootBytes: try folder.read("repo/1.root.json"))
        let repository = URL(string: "https://repo.test")!
        try ClientSettings(
            metadataURL: repository.appendingPathComponent("metadata"),
            targetsURL: repository.appendingPathComponent("targets")
        ).save(layout)
        return layout
    }

    /// A client of a new repository for a new test instance (``client(of:in:)``), and a provider
    /// for it whose network is that repository, counting its requests. The folder is removed when
    /// the last reference to it goes, so a test keeps it until it ends.
    static func onlineClient() async throws -> (
        instance: TestInstance, folder: TemporaryDirectory, layout: ClientLayout, provider: TrustedRootProvider, online: RecordingFetcher
    ) {
        let instance = try TestInstance()
        let folder = try TemporaryDirectory()
        let layout = try await Self.client(of: instance, in: folder)
        var provider = TrustedRootProvider(layout: layout)
        let online = RecordingFetcher(serving: folder.file("repo"))
        provider.networkFetcher = { _ in online }
        return (instance, folder, layout, provider, online)
    }

    @Test func theTrustedRootComesThroughTUFAndVerifyingUsesNoNetwork() async throws {
        let (instance, folder, layout, started, online) = try await Self.onlineClient()
        defer { withExtendedLifetime(folder) {} }
        var provider = started
        let refreshed = try await provider.currentTrustedMaterial(refreshing: true)
        #expect(online.calls > 0)
        #expect(refreshed.trustedRootPath == layout.target("trusted_root.json").path)
        #expect(refreshed.trustedRoot.transparencyLogs.map(\.logID) == [instance.logID])
        #expect(refreshed.signingConfig == nil)

        // Offline, with a transport that fails on any call: the material and a verification
        // under it make none.
        let failing = RecordingFetcher(serving: nil)
        provider.networkFetcher = { _ in failing }
        let material = try await provider.currentTrustedMaterial(refreshing: false)
        let bundle = try SigstoreBundle(
            bytes: JSONWriter.prettyPrinted(try instance.bundle(for: Self.artifact, TestInstance.Options(time: instance.epoch)).bundle)
        )
        let policy = BundleVerifier.Policy.identity(IdentityPolicy(identity: .exact(TestInstance.identity), issuer: TestInstance.issuerURL))
        let result = try await SignedEntityVerifier(trustedMaterial: material).verify(
            bundle,
            artifact: .bytes(Self.artifact),
            policy: policy
        )
        #expect(result.checks.contains(.certificateChain))
        #expect(failing.calls == 0)

        // A refresh does ask, fails as a typed error, and leaves the cache usable offline.
        do {
            _ = try await provider.currentTrustedMaterial(refreshing: true)
            Issue.record("a refresh succeeded with no transport")
        } catch {
            guard case .update(.fetch) = error.kind else {
                Issue.record("\(error)")
                return
            }
        }
        #expect(failing.calls == 1)
        #expect(try await provider.currentTrustedMaterial(refreshing: false).trustedRoot.transparencyLogs.count == 1)
    }

    /// The downloaded Sigstore files are not flushed to disk: a power cut may leave one torn or
    /// empty. Such a copy is never used (every read checks it against the trusted targets
    /// metadata), and the next refresh fetches it again.
    @Test func aTornTrustedRootIsRefusedAndFetchedAgain() async throws {
        let (instance, folder, layout, provider, online) = try await Self.onlineClient()
        defer { withExtendedLifetime(folder) {} }
        _ = try await provider.currentTrustedMaterial(refreshing: true)
        let good = try Data(contentsOf: layout.target("trusted_root.json"))

        for torn in [Data(good.prefix(good.count / 2)), Data()] {
            try torn.write(to: layout.target("trusted_root.json"))
            await #expect(throws: ProviderError.self) { _ = try await provider.currentTrustedMaterial(refreshing: false) }
            let before = online.calls
            let material = try await provider.currentTrustedMaterial(refreshing: true)
            #expect(online.calls > before)
            #expect(material.trustedRoot.transparencyLogs.map(\.logID) == [instance.logID])
            #expect(try Data(contentsOf: layout.target("trusted_root.json")) == good)
        }
    }

    /// The refresh that downloads the Sigstore files while its metadata reaches the disk: the
    /// files, the refresh's time and the metadata are all there when it returns; a file the
    /// targets URL does not serve is reported after the metadata and settings were kept.
    @Test func aRefreshDownloadsTheSigstoreFilesWhileItsMetadataIsWritten() async throws {
        let (_, folder, layout, provider, _) = try await Self.onlineClient()
        let steps = RootStepLog()
        let before = Date()
        let (session, files) = try await provider.refreshFetchingSigstoreFiles(
            TrustedRootProvider.UpdateMode(),
            onRootStep: { steps.append($0) }
        )
        #expect(files.map(\.name) == ["trusted_root.json"])
        #expect(files.map(\.path) == [layout.target("trusted_root.json").path])
        #expect(try Data(contentsOf: layout.target("trusted_root.json")) == Data(try folder.read("trusted_root.json")))
        #expect(session.rootSteps == [2, 3, 4])
        #expect(steps.all == [2, 3, 4])
        #expect(session.updater.trusted?.root.signed.version == 4)
        #expect(try ClientSettings.load(layout).lastRefresh.map { $0 >= before.addingTimeInterval(-1) } == true)
        // What it trusts is on disk: an offline read finds the same.
        let offline = try await provider.update(TrustedRootProvider.UpdateMode(offline: true))
        #expect(offline.updater.trusted?.root.signed.version == 4)
        #expect(offline.updater.trusted?.timestamp?.signed.version == session.updater.trusted?.timestamp?.signed.version)

        // With the targets no longer served and the local copy gone, the refresh still keeps
        // its metadata and records itself, and the download's failure is the one reported.
        try FileManager.default.removeItem(at: folder.file("repo/targets"))
        try FileManager.default.removeItem(at: layout.target("trusted_root.json"))
        var recorded = try ClientSettings.load(layout)
        recorded.lastRefresh = Date(timeIntervalSince1970: 0)
        try recorded.save(layout)
        do {
            _ = try await provider.refreshFetchingSigstoreFiles(TrustedRootProvider.UpdateMode())
            Issue.record("a refresh downloaded a file nobody serves")
        } catch {
            guard case .targetNotServed = error.kind else {
                Issue.record("\(error)")
                return
            }
        }
        #expect(try ClientSettings.load(layout).lastRefresh.map { $0 > Date(timeIntervalSince1970: 0) } == true)
        #expect(!FileManager.default.fileExists(atPath: layout.target("trusted_root.json").path))
    }

    /// Root versions heard from a refresh.
    final class RootStepLog: @unchecked Sendable {
        private let lock = NSLock()
        private var versions: [Int] = []
        func append(_ version: Int) { lock.withLock { versions.append(version) } }
        var all: [Int] { lock.withLock { versions } }
    }

    @Test func aFolderWithNoClientIsNamed() async throws {
        let folder = try TemporaryDirectory()
        let provider = TrustedRootProvider(layout: ClientLayout(folder.file("none").path))
        #expect(!provider.hasClient)
        do {
            _ = try await provider.currentTrustedMaterial(refreshing: false)
            Issue.record("material from no client")
        } catch {
            guard case .noClient = error.kind else {
                Issue.record("\(error)")
                return
            }
            #expect(error.description == "\(folder.file("none").path): no client here; run `trustroot client init` first")
        }
    }

    /// A link put in place of the client's `metadata` or `targets` folder is refused, online
    /// and offline, and the folder it points at is neither read nor written.
    @Test(arguments: ["metadata", "targets"])
    func aLinkedClientSubfolderIsRefused(_ name: String) async throws {
        let instance = try TestInstance()
        let folder = try TemporaryDirectory()
        let layout = try await Self.client(of: instance, in: folder)
        let outside = folder.file("outside")
        if name == "metadata" {
            try FileManager.default.moveItem(at: layout.metadata, to: outside)
        } else {
            try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: false)
        }
        try FileManager.default.createSymbolicLink(atPath: layout.root.appendingPathComponent(name).path, withDestinationPath: outside.path)
        let before = try FileManager.default.contentsOfDirectory(atPath: outside.path).sorted()
        var provider = TrustedRootProvider(layout: layout)
        let online = RecordingFetcher(serving: folder.file("repo"))
        provider.networkFetcher = { _ in online }

        for refreshing in [true, false] {
            do {
                _ = try await provider.currentTrustedMaterial(refreshing: refreshing)
                Issue.record("material through a linked \(name) folder (refreshing: \(refreshing))")
            } catch {
                guard case .file(let file) = error.kind else {
                    Issue.record("\(error)")
                    continue
                }
                #expect(file.kind == .symbolicLink)
                #expect(error.description == "\(layout.root.path)/\(name): is or passes through a symbolic link, which is refused")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).sorted() == before)
    }
}
