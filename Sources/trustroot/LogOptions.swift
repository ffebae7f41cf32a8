import ArgumentParser
import Foundation
import LogMonitor
import NetworkTransport
import Plumbing
import Sigstore
import TransparencyLog

/// The options that name a transparency log and the keys it is trusted under: `--log-url`,
/// the trusted root whose logs' keys may sign its checkpoints, and optional witnesses.
struct LogOptions: ParsableArguments {
    /// The APIs a log may be read through.
    enum API: String, ExpressibleByArgument, CaseIterable {
        /// Rekor v1 over HTTP(S) when the server answers `api/v1/log`, tiles otherwise.
        case auto
        /// C2SP tlog-tiles (Rekor v2 and other tiled logs).
        case tiles
        /// Rekor v1's REST API.
        case rekorV1 = "rekor-v1"
        /// An RFC 6962 CT log (Fulcio's), trusted under the trusted root's CT log keys.
        case ct
        /// A C2SP static-ct-api log's monitoring prefix, trusted under the trusted root's CT log
        /// keys with each log's URL as its origin.
        case staticCT = "static-ct"
    }

    @Option(
        help:
            "The log's URL: for a tiled log (Rekor v2), the C2SP tlog-tiles prefix (<prefix>/checkpoint, <prefix>/tile/...), over http(s), file:// or a folder; for Rekor v1, the server's base URL."
    )
    var logURL: String

    @Option(
        help:
            "The log's API: auto (ct for a CT log of the trusted root, Rekor v1 when an http(s) server answers api/v1/log, tiles otherwise), tiles, rekor-v1, ct, static-ct."
    )
    var logAPI: API = .auto

    @OptionGroup var trust: TrustedRootOptions

    @Option(name: .customLong("witness"), help: "A witness's C2SP verifier key (NAME+HASH+BASE64); give it once per witness.")
    var witnesses: [String] = []

    @Option(help: "How many of the --witness keys must have cosigned the checkpoint (default: all of them).")
    var witnessQuorum: Int?

    /// The log, trusted under every transparency log key of the trusted root, and the trusted root.
    func log() async throws -> (any LogSource, TrustedRoot) {
        let (trustedRoot, _) = try await trust.source.load()
        if let ct = try ctLog(trustedRoot) { return (ct, trustedRoot) }
        if logAPI == .staticCT { return (try staticCTLog(trustedRoot), trustedRoot) }
        let keys: [any NoteVerifier] = trustedRoot.transparencyLogs.map(TrustedLogKey.init)
        guard !keys.isEmpty else { throw CLIError(message: "the trusted root lists no transparency log", code: .invalidData) }
        let policy = try witnessPolicy()
        if let url = httpURL, logAPI != .tiles {
            let rekor = RekorV1Log(baseURL: url, keys: keys, transport: Self.transport)
            let isRekorV1 = logAPI == .rekorV1 ? true : try await answersRekorV1(rekor)
            if isRekorV1 {
                guard policy == nil else {
                    throw CLIError(message: "--witness applies to tiled logs; \(logURL) is read as Rekor v1", code: .usage)
                }
                return (rekor, trustedRoot)
            }
        } else if logAPI == .rekorV1 {
            throw CLIError(message: "--log-api rekor-v1 needs an http(s) --log-url, not \(logURL)", code: .usage)
        }
        return (TiledLog(client: try client(), keys: keys, witnesses: policy), trustedRoot)
    }

    /// The witness policy `--witness` and `--witness-quorum` give, if any.
    func witnessPolicy() throws -> WitnessPolicy? {
        guard !witnesses.isEmpty || witnessQuorum != nil else { return nil }
        do {
            let cosigners = try witnesses.map { (key) throws(LogError) in try Cosigner(verifierKey: key) }
            return try WitnessPolicy(cosigners: cosigners, quorum: witnessQuorum ?? cosigners.count)
        } catch {
            throw CLIError(message: error.description, code: .usage)
        }
    }

    /// The static CT log under `--log-url`, trusted under the trusted root's CT log keys, each
    /// with its log's URL (its submission prefix) as the origin it signs under.
    func staticCTLog(_ trustedRoot: TrustedRoot) throws -> TiledLog {
        let keys: [any NoteVerifier] = trustedRoot.certificateTransparencyLogs.compactMap { log in
            guard let url = URL(string: log.baseURL) else { return nil }
            return CTTreeHeadVerifier(origin: CTLog.origin(of: url), logID: log.logID) { log.key.isValidSignature($0, for: $1) }
        }
        guard !keys.isEmpty else { throw CLIError(message: "the trusted root lists no CT log", code: .invalidData) }
        return TiledLog(client: try client(entryFormat: .staticCT), keys: keys, witnesses: try witnessPolicy())
    }

    /// The CT log `--log-url` names, when `--log-api` is ct, or auto and the trusted root lists a
    /// CT log at that URL: trusted under the key of the trusted root's CT log at that URL (or,
    /// for another URL, under every CT log key it lists).
    func ctLog(_ trustedRoot: TrustedRoot) throws -> CTLog? {
        let listed = trustedRoot.certificateTransparencyLogs.filter { Self.sameURL($0.baseURL, logURL) }
        guard logAPI == .ct || (logAPI == .auto && !listed.isEmpty) else { return nil }
        guard let url = httpURL else { throw CLIError(message: "--log-api ct needs an http(s) --log-url, not \(logURL)", code: .usage) }
        let candidates = listed.isEmpty ? trustedRoot.certificateTransparencyLogs : listed
        guard let log = candidates.first else { throw CLIError(message: "the trusted root lists no CT log", code: .invalidData) }
        guard candidates.count == 1 else {
            throw CLIError(message: "the trusted root lists several CT logs and none at \(logURL)", code: .usage)
        }
        let key = CTTreeHeadVerifier(origin: CTLog.origin(of: url), logID: log.logID) { log.key.isValidSignature($0, for: $1) }
        return CTLog(baseURL: url, key: key, transport: Self.transport)
    }

    /// Whether two URLs name one log, trailing slashes aside.
    static func sameURL(_ first: String, _ second: String) -> Bool {
        func trimmed(_ text: String) -> String {
            var text = text.lowercased()
            while text.hasSuffix("/") { text.removeLast() }
            return text
        }
        return trimmed(first) == trimmed(second)
    }

    /// One transport for the process's requests, so that they share connections.
    static let transport = HTTPClientTransport(idleTimeout: 30, transferTimeout: 120)

    /// `--log-url` when it is http(s).
    var httpURL: URL? {
        guard let url = URL(string: logURL), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            return nil
        }
        return url
    }

    /// Whether the server answers Rekor v1's log info: a missing path means it is not Rekor v1;
    /// any other failure is the log's and stops the command.
    func answersRekorV1(_ rekor: RekorV1Log) async throws -> Bool {
        do {
            _ = try await rekor.info()
            return true
        } catch let error where error.kind == .notFound {
            return false
        } catch {
            throw CLIError(error)
        }
    }

    /// The client for `--log-url`: HTTP for http(s), a confined folder read otherwise.
    func client(entryFormat: TiledLogClient.EntryFormat = .entryBundles) throws -> TiledLogClient {
        if let url = httpURL { return TiledLogClient(prefix: url, fetcher: Self.transport, entryFormat: entryFormat) }
        let path = logURL.hasPrefix("file://") ? URL(string: logURL)?.path ?? "" : logURL
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        do {
            let fetcher = try FolderFetcher(path: absolute)
            return TiledLogClient(prefix: fetcher.baseURL, fetcher: fetcher, entryFormat: entryFormat)
        } catch {
            throw CLIError(message: "--log-url \(logURL): \(error)", code: .noInput)
        }
    }

    /// The key the log's state and findings are kept under.
    var stateKey: String { logURL.hasSuffix("/") ? String(logURL.dropLast()) : logURL }
}

extension CLIError {
    /// A log's answer that was not used, with the exit code of its kind.
    init(_ error: LogError) {
        self.init(message: error.description, code: CLIError.code(of: error.kind))
    }

    /// A monitor run that stopped, with the exit code of its kind.
    init(_ error: MonitorError) {
        switch error.kind {
        case .log(let kind): self.init(message: error.description, code: CLIError.code(of: kind))
        case .state: self.init(message: error.description, code: .ioError)
        case .policy: self.init(message: error.description, code: .usage)
        }
    }

    /// The exit code of a log error's kind: bad log data 65, an unreachable log 69, a missing
    /// entry 66, an inconsistent log 1.
    static func code(of kind: LogError.Kind) -> ExitCode {
        switch kind {
        case .malformed, .unverified: return .invalidData
        case .unreachable: return .networkError
        case .notFound: return .noInput
        case .inconsistent: return .verificationFailed
        }
    }

    /// Runs `body`, turning a log failure into one line and its exit code.
    static func mapping<Value>(_ body: () async throws(LogError) -> Value) async throws(CLIError) -> Value {
        do {
            return try await body()
        } catch {
            throw CLIError(error)
        }
    }
}
