import ArgumentParser
import Foundation
import Logging
import SigstoreTUF
import TUF
import TUFClient

/// `trustroot client`: keep a trusted copy of a TUF repository's metadata and fetch targets.
struct ClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Refresh trusted metadata from a TUF repository and download verified targets.",
        subcommands: [Init.self, Refresh.self, Get.self, Status.self]
    )

    struct CacheOption: ParsableArguments {
        @Option(help: "The client's folder (default $TRUSTROOT_CACHE, else ~/.cache/trustroot).")
        var cache: String?

        var layout: ClientLayout { ClientLayout(cache) }
    }

    /// `trustroot client init`.
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Start trusting a repository from a root metadata file.",
            discussion: "The root must be signed by a threshold of its own keys; it may be expired. Nothing is fetched."
        )

        @Option(help: "The repository's metadata URL (https://, http:// or file://).")
        var repo: String?

        @Option(help: "The initial trusted root metadata file.")
        var root: String?

        @Option(help: "Start from the root TrustRoot ships for a known repository: sigstore or sigstore-staging.")
        var known: String?

        @Option(help: "The SHA-256 (hex) the root file must have.")
        var rootSha256: String?

        @Option(
            help:
                "The repository's targets URL (default: beside a REPO that ends in /metadata, as ceremony publish lays a repository out; else REPO/targets)."
        )
        var targetsURL: String?

        @Option(help: "Refuse to trust any root older than this version.")
        var minRootVersion: Int?

        @Option(help: "Walk the root chain to exactly this version and stay there.")
        var pinRootVersion: Int?

        @Flag(help: "Start over even when the client folder already trusts another root (a newer one is given up).")
        var force = false

        @OptionGroup var cacheOption: CacheOption

        func validate() throws {
            if let known {
                guard KnownRepository.named(known) != nil else {
                    throw ValidationError("unknown repository \(known); known: \(KnownRepository.all.map(\.name).joined(separator: ", "))")
                }
                if repo != nil || root != nil { throw ValidationError("--known replaces --repo and --root") }
            } else if repo == nil || root == nil {
                throw ValidationError("give --repo and --root, or --known")
            }
            if let minRootVersion, minRootVersion < 1 { throw ValidationError("--min-root-version must be 1 or more") }
            if let pinRootVersion, pinRootVersion < 1 { throw ValidationError("--pin-root-version must be 1 or more") }
        }

        func run() async throws {
            let metadataURL: URL
            var defaultTargets: URL
            let bytes: [UInt8]
            if let repository = known.flatMap(KnownRepository.named) {
                (metadataURL, defaultTargets, bytes) = (repository.metadataURL, repository.targetsURL, repository.rootBytes)
            } else {
                guard let repo, let root, let url = URL(string: repo), url.scheme != nil else {
                    throw ValidationError("--repo must be a URL such as https://example.org/metadata or file:///mnt/repo")
                }
                metadataURL = url
                defaultTargets = Self.defaultTargetsURL(for: url)
                bytes = try readFile(root, limit: UpdaterConfiguration().rootMaximumBytes)
            }
            if let targetsURL {
                guard let url = URL(string: targetsURL), url.scheme != nil else { throw ValidationError("--targets-url must be a URL") }
                defaultTargets = url
            }
            let targets = defaultTargets
            let layout = cacheOption.layout
            try refuseReset(layout, to: bytes)
            let cache = try CLIError.mapping { () throws(ProviderError) in try layout.metadataCache() }
            do {
                try cache.bootstrap(rootBytes: bytes, pinnedSHA256: rootSha256)
            } catch {
                // A root that is not root metadata is bad input (65), as the README says.
                if case .invalidMetadata = error { throw CLIError(message: error.description, code: .invalidData) }
                throw CLIError(error)
            }
            let settings = ClientSettings(
                metadataURL: metadataURL,
                targetsURL: targets,
                minimumRootVersion: minRootVersion,
                pinnedRootVersion: pinRootVersion
            )
            try CLIError.mapping { () throws(ProviderError) in try settings.save(layout) }
            let version = (try? Metadata<Root>(bytes: bytes))?.signed.version ?? 0
            print("trusting root v\(version) for \(metadataURL.absoluteString) in \(layout.root.path)")
        }

        /// Where a repository whose metadata is at `metadata` keeps its targets: `ceremony publish`
        /// (like tuf-on-ci and python-tuf's layouts) writes `metadata/` and `targets/` side by side.
        static func defaultTargetsURL(for metadata: URL) -> URL {
            var base = metadata
            while base.path.hasSuffix("/") && base.path != "/" { base.deleteLastPathComponent() }
            guard base.lastPathComponent == "metadata" else { return metadata.appendingPathComponent("targets") }
            return base.deletingLastPathComponent().appendingPathComponent("targets")
        }

        /// Refuses to replace a trusted root other than `bytes` without `--force`: starting over
        /// from an older root would quietly undo every rotation the client has verified.
        func refuseReset(_ layout: ClientLayout, to bytes: [UInt8]) throws {
            guard !force, let folder = try? layout.metadataFolder(creating: false),
                let trusted = MetadataCache(folder: folder).read("root", maximumBytes: UpdaterConfiguration().rootMaximumBytes),
                trusted != bytes
            else { return }
            let trustedVersion = (try? Metadata<Root>(bytes: trusted))?.signed.version
            let givenVersion = (try? Metadata<Root>(bytes: bytes))?.signed.version
            throw CLIError(
                message:
                    "\(layout.root.path) already trusts root v\(trustedVersion.map(String.init) ?? "?"); starting over from v\(givenVersion.map(String.init) ?? "?") would give that up: pass --force to do so, or use another --cache",
                code: .verificationFailed
            )
        }
    }

    struct UpdateOptions: ParsableArguments {
        @Flag(help: "Use only the cache: no network.")
        var offline = false

        @Flag(help: "With --offline: accept expired metadata, with a warning.")
        var allowExpired = false

        @Option(help: "Refuse to trust any root older than this version (overrides init's).")
        var minRootVersion: Int?

        @Option(help: "Walk the root chain to exactly this version (overrides init's).")
        var pinRootVersion: Int?

        @Option(help: "How many root versions one refresh may walk through.")
        var maxRootRotations: Int = UpdaterConfiguration().maximumRootRotations

        @Option(
            help: ArgumentHelp(
                "Seconds to wait for a server that sends nothing before giving up (default: \(Int(UpdateMode.defaultTimeout))); a whole download may take ten times as long.",
                valueName: "seconds"
            )
        )
        var timeout: Double = UpdateMode.defaultTimeout

        func validate() throws {
            if let refusal = Self.refusal(of: mode) { throw ValidationError(refusal) }
        }

        /// Why a mode is refused as options, or nil: the one rule both ArgumentParser and the
        /// quick path (``RefreshArgumentScanner``) apply.
        static func refusal(of mode: UpdateMode) -> String? {
            if mode.allowExpired && !mode.offline { return "--allow-expired is only accepted with --offline" }
            if mode.maximumRootRotations < 1 { return "--max-root-rotations must be 1 or more" }
            guard mode.timeout.isFinite, mode.timeout > 0, mode.timeout <= 86_400 else {
                return "--timeout must be more than 0 and at most 86400 seconds"
            }
            return nil
        }

        var mode: UpdateMode {
            var mode = UpdateMode(
                offline: offline,
                allowExpired: allowExpired,
                minimumRootVersion: minRootVersion,
                pinnedRootVersion: pinRootVersion,
                timeout: timeout
            )
            mode.maximumRootRotations = maxRootRotations
            return mode
        }
    }

    /// How to bring a client up to date.
    typealias UpdateMode = TrustedRootProvider.UpdateMode

    /// A client brought up to date.
    typealias Updated = TrustedRootProvider.Session

    /// Brings the client in `layout` up to date (or loads the cache offline), printing each
    /// root step, and offline, how old the cache is.
    static func update(_ layout: ClientLayout, _ options: UpdateMode, quiet: Bool) async throws
        -> Updated
    {
        let updated = try await CLIError.mapping {
            () async throws(ProviderError) in
            try await TrustedRootProvider(layout: layout).update(options, onRootStep: rootStepPrinter(quiet: quiet))
        }
        if options.offline, !quiet {
            let logger = Logger(label: "trustroot")
            let age = updated.settings.lastRefresh.map {
                "last refreshed \(MetadataDate.format($0)), \(TrustedRootProvider.describeAge(since: $0)) ago"
            }
            logger.warning("offline: using the cache only (\(age ?? "never refreshed"))")
            for role in updated.updater.trusted?.expiredRoles ?? [] {
                logger.warning("\(role) metadata has expired; accepted because of --allow-expired")
            }
        }
        return updated
    }

    /// Prints each root step on standard error, unless `quiet`.
    static func rootStepPrinter(quiet: Bool) -> @Sendable (Int) -> Void {
        { version in
            if !quiet { FileHandleOutput.standardError.write("root v\(version - 1) → v\(version)\n") }
        }
    }

    /// `trustroot client refresh`.
    struct Refresh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "refresh",
            abstract: "Bring the trusted metadata up to date, checking every step."
        )

        @OptionGroup var cacheOption: CacheOption
        @OptionGroup var options: UpdateOptions

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() async throws {
            let layout = cacheOption.layout
            TrustedRootProvider(layout: layout).prepareNetwork(for: options.mode)
            try await Self.refresh(layout, options.mode, json: json)
        }

        /// Refreshes the client in `layout` and prints what it trusts now, the caller having
        /// started the network client (``TrustedRootProvider/prepareNetwork(for:)``).
        static func refresh(_ layout: ClientLayout, _ mode: UpdateMode, json: Bool) async throws {
            let (updated, files) =
                try await mode.offline
                ? (ClientCommand.update(layout, mode, quiet: json), []) : refreshFetchingFiles(layout, mode, quiet: json)
            guard let trusted = updated.updater.trusted else { return }
            var status = ClientStatus(report: CacheReport(trusted: trusted), settings: updated.settings)
            status.rootSteps = updated.rootSteps
            status.files = files
            if json {
                FileHandleOutput.standardOutput.write(JSONWriter.prettyPrinted(status.json))
            } else {
                print(status.summaryLine)
                for file in files { print("\(file.name): \(file.path)") }
            }
        }

        /// Refreshes over the network and downloads the files verifying and signing need, while
        /// the refreshed metadata reaches the disk, printing each root step (unless `quiet`) and
        /// the downloads' progress on a terminal.
        static func refreshFetchingFiles(_ layout: ClientLayout, _ mode: UpdateMode, quiet: Bool) async throws -> (
            Updated, [(name: String, path: String)]
        ) {
            let progress = TerminalProgress()
            defer { progress.finish() }
            return try await CLIError.mapping { () async throws(ProviderError) in
                try await TrustedRootProvider(layout: layout).refreshFetchingSigstoreFiles(
                    mode,
                    progress: progress.downloading,
                    onRootStep: ClientCommand.rootStepPrinter(quiet: quiet)
                )
            }
        }
    }

    /// `trustroot client get`.
    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get",
            abstract: "Download a target after refreshing, verify its length and hashes, and write it out.",
            discussion: "An unchanged target already in the client's folder is used without a request."
        )

        @Argument(help: "The target path, such as trusted_root.json.")
        var target: String

        @Option(name: .shortAndLong, help: "Where to write the target (default: standard output).")
        var output: String?

        @OptionGroup var cacheOption: CacheOption
        @OptionGroup var options: UpdateOptions

        func run() async throws {
            let layout = cacheOption.layout
            var updated = try await ClientCommand.update(layout, options.mode, quiet: false)
            let provider = TrustedRootProvider(layout: layout)
            let info = try await CLIError.mapping { () async throws(ProviderError) in try await provider.targetInfo(target, &updated) }
            guard let info else { throw CLIError(UpdateError.targetNotFound(target)) }
            let progress = TerminalProgress()
            defer { progress.finish() }
            let bytes = try await CLIError.mapping { () async throws(ProviderError) in
                try await provider.fetch(target, info, updated, progress: progress.downloading)
            }
            progress.finish()
            if let output {
                do {
                    try AtomicFile.write(bytes, to: URL(fileURLWithPath: output))
                } catch {
                    throw CLIError(error)
                }
            } else {
                FileHandleOutput.standardOutput.write(bytes)
            }
        }
    }

    /// `trustroot client status`.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show what the client trusts: each role's version and expiry, root keys and thresholds, last refresh."
        )

        @OptionGroup var cacheOption: CacheOption

        @Flag(help: "Print the status as JSON.")
        var json = false

        func run() async throws {
            let layout = cacheOption.layout
            let settings = try CLIError.mapping { () throws(ProviderError) in try ClientSettings.load(layout) }
            var configuration = UpdaterConfiguration()
            configuration.minimumRootVersion = settings.minimumRootVersion
            configuration.pinnedRootVersion = settings.pinnedRootVersion
            // Read only: a missing folder is reported, never made.
            let (cache, targets) = try CLIError.mapping { () throws(ProviderError) in
                (try layout.metadataCache(creating: false), try layout.targetsFolder(creating: false))
            }
            let report: CacheReport
            do {
                report = try await CacheReport.read(cache, configuration: configuration)
            } catch {
                throw CLIError(error)
            }
            var status = ClientStatus(report: report, settings: settings)
            status.files = TrustedRootProvider.sigstoreFiles.compactMap { name in
                guard (try? targets?.exists(caseSafeFileName(name))) == true else { return nil }
                return (name, layout.target(name).path)
            }
            if json {
                FileHandleOutput.standardOutput.write(JSONWriter.prettyPrinted(status.json))
            } else {
                print(status.text, terminator: "")
            }
        }
    }
}
