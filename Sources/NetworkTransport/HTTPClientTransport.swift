import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Plumbing

/// HTTP(S) over async-http-client: TUF fetches and service requests share one connection pool
/// per process and proxy route, reused across a refresh's requests (keep-alive, HTTP/2 where the
/// server offers it), with TLS through swift-nio-ssl and the system's trust store.
///
/// Every limit is enforced by the event loop, not by polling: a request may wait
/// ``idleTimeout`` for the next bytes and ``transferTimeout`` for the whole transfer, and a body
/// stops being read the moment it passes its cap, so a stalled server costs no CPU and an
/// endless one costs at most the cap. `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (or their
/// lower-case forms) are honoured as curl honours them.
public struct HTTPClientTransport: Fetcher, HTTPTransport {
    /// How long a request may wait for the next bytes.
    public let idleTimeout: TimeInterval
    /// How long one whole transfer may take, however steadily bytes arrive.
    public let transferTimeout: TimeInterval
    /// The proxies the environment names.
    public let proxies: ProxySettings

    /// A transport with these timeouts, in seconds, and the proxies `environment` names.
    public init(
        idleTimeout: TimeInterval = 30,
        transferTimeout: TimeInterval = 300,
        environment: [String: String] = ProxySettings.processEnvironment
    ) {
        self.idleTimeout = idleTimeout
        self.transferTimeout = transferTimeout
        self.proxies = ProxySettings(environment: environment)
    }

    /// Starts the process's client for `url`'s route (its event loop thread and connection
    /// pool) on a thread of its own, while the caller goes on with other work; see
    /// `Fetcher.prepare(for:)`.
    public func prepare(for url: URL) {
        startClient(proxy: proxies.proxy(for: url))
    }

    /// Starts the process's client for the direct route, as ``prepare(for:)`` would, when the
    /// environment names no proxy: every URL then takes that route. With a proxy named, the
    /// route depends on the URL, and nothing is started; see `Fetcher.prepare()`.
    public func prepare() {
        guard proxies.https == nil, proxies.http == nil else { return }
        startClient(proxy: nil)
    }

    private func startClient(proxy: ProxySettings.Proxy?) {
        let idleTimeout = self.idleTimeout
        Thread.detachNewThread {
            _ = ClientPool.shared.client(proxy: proxy, idleTimeout: idleTimeout)
        }
    }

    /// Fetches `url`; see `Fetcher.fetch(_:maximumBytes:)`.
    public func fetch(_ url: URL, maximumBytes: Int) async throws(FetchError) -> [UInt8] {
        try await perform(HTTPRequest(url: url), maximumBytes: maximumBytes, acceptsErrorStatus: false, progress: nil).body
    }

    /// Fetches `url`, reporting each chunk's arrival; see `Fetcher.fetch(_:maximumBytes:progress:)`.
    public func fetch(_ url: URL, maximumBytes: Int, progress: @escaping @Sendable (Int) -> Void) async throws(FetchError) -> [UInt8] {
        try await perform(HTTPRequest(url: url), maximumBytes: maximumBytes, acceptsErrorStatus: false, progress: progress).body
    }

    /// Sends `request`; see `HTTPTransport.send(_:maximumBytes:)`.
    public func send(_ request: HTTPRequest, maximumBytes: Int) async throws(FetchError) -> HTTPResponse {
        try await perform(request, maximumBytes: maximumBytes, acceptsErrorStatus: true, progress: nil)
    }

    private func perform(
        _ request: HTTPRequest,
        maximumBytes: Int,
        acceptsErrorStatus: Bool,
        progress: (@Sendable (Int) -> Void)?
    ) async throws(FetchError) -> HTTPResponse {
        let url = request.url.absoluteString
        guard let scheme = request.url.scheme?.lowercased(), scheme == "http" || scheme == "https", request.url.host != nil else {
            throw .transport(url: url, reason: "only http and https URLs are fetched over the network")
        }
        let proxy = proxies.proxy(for: request.url)
        let client = ClientPool.shared.client(proxy: proxy, idleTimeout: idleTimeout)
        // Where a connection goes: the proxy when one is used, else the URL's host.
        let address =
            proxy.map { "\($0.host):\($0.port)" }
            ?? "\(request.url.host ?? ""):\(request.url.port ?? (scheme == "https" ? 443 : 80))"
        var headers = HTTPHeaders([("User-Agent", "trustroot")])
        for (name, value) in request.headers { headers.replaceOrAdd(name: name, value: value) }
        let outgoing: HTTPClient.Request
        do {
            outgoing = try HTTPClient.Request(
                url: request.url,
                method: HTTPMethod(rawValue: request.method),
                headers: headers,
                body: request.body.map { .bytes($0) }
            )
        } catch {
            throw .transport(url: url, reason: "not a URL a request can be made to")
        }
        // The response is collected on the event loop by a delegate that enforces the cap, and
        // the deadline, which async-http-client holds to the whole transfer for a delegate, is a
        // timer there too: a transfer costs one hop back to this task, whatever its chunks.
        let collector = BoundedResponseCollector(
            url: url,
            maximumBytes: maximumBytes,
            acceptsErrorStatus: acceptsErrorStatus,
            progress: progress
        )
        let deadline = NIODeadline.now() + .nanoseconds(Int64(min(transferTimeout, 86_400 * 10) * 1e9))
        let task = client.execute(request: outgoing, delegate: collector, deadline: deadline)
        let outcome = await withTaskCancellationHandler { () async -> Result<HTTPResponse, any Error> in
            do { return .success(try await task.futureResult.get()) } catch { return .failure(error) }
        } onCancel: {
            task.cancel()
        }
        switch outcome {
        case .success(let response): return response
        case .failure(let error): throw Self.fetchError(error, url: url, address: address)
        }
    }

    /// What a failed transfer means for the caller: the collector's own verdicts as they are,
    /// every way of running out of time as timed out, and the rest as transport failures.
    private static func fetchError(_ error: any Error, url: String, address: String) -> FetchError {
        switch error {
        case let error as FetchError:
            return error
        case let error as HTTPClientError:
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout, .tlsHandshakeTimeout, .httpProxyHandshakeTimeout,
                .getConnectionFromPoolTimeout:
                return .timedOut(url: url)
            case .cancelled:
                return .transport(url: url, reason: "the transfer was cancelled")
            default:
                return .transport(url: url, reason: Self.reason(error))
            }
        case let error as NIOConnectionError:
            return .transport(url: url, reason: Self.reason(error))
        case let error as IOError:
            return .transport(url: url, reason: "cannot connect to \(address): \(Self.reason(error))")
        default:
            return .transport(url: url, reason: "\(error)")
        }
    }

    /// A connection that could not be made, naming the address tried (the proxy's, when one is
    /// used) and the system's reason.
    static func reason(_ error: NIOConnectionError) -> String {
        let cause: String
        if let first = error.connectionErrors.first {
            cause = (first.error as? IOError).map(Self.reason) ?? "\(first.error)"
        } else if let lookup = error.dnsAError ?? error.dnsAAAAError {
            cause = "the name did not resolve (\(lookup))"
        } else {
            cause = "no address to connect to"
        }
        return "cannot connect to \(error.host):\(error.port): \(cause)"
    }

    /// The system's reason for a failed socket call.
    static func reason(_ error: IOError) -> String {
        String(cString: strerror(error.errnoCode))
    }

    /// A transport failure in a few words.
    static func reason(_ error: HTTPClientError) -> String {
        switch error {
        case .remoteConnectionClosed: return "the server closed the connection"
        case .redirectLimitReached: return "too many redirects"
        case .redirectCycleDetected: return "a redirect cycle"
        case .invalidURL: return "not a valid URL"
        default: return "\(error)"
        }
    }
}

/// The HTTP clients of this process, one per proxy route and idle timeout, made when first
/// needed and kept until the process ends (each holds a connection pool).
final class ClientPool: @unchecked Sendable {
    static let shared = ClientPool()
    /// The one event loop every client of the process runs on. A client's connections are few
    /// and its work is waiting; one thread serves them, where a loop per core would only add
    /// threads to start and hand work between.
    static let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    private let lock = NSLock()
    private var clients: [String: HTTPClient] = [:]

    func client(proxy: ProxySettings.Proxy?, idleTimeout: TimeInterval) -> HTTPClient {
        let key = "\(proxy.map { "\($0.host):\($0.port)" } ?? "direct") \(idleTimeout)"
        return lock.withLock {
            if let existing = clients[key] { return existing }
            let idle = TimeAmount.nanoseconds(Int64(min(idleTimeout, 86_400) * 1e9))
            var configuration = HTTPClient.Configuration(
                redirectConfiguration: .follow(max: 5, allowCycles: false),
                timeout: HTTPClient.Configuration.Timeout(connect: idle, read: idle, write: idle),
                proxy: proxy.map { proxy in
                    .server(
                        host: proxy.host,
                        port: proxy.port,
                        authorization: proxy.credentials.map { .basic(username: $0.user, password: $0.password) }
                    )
                },
                decompression: .disabled
            )
            configuration.httpVersion = .automatic
            // No tracing: this process bootstraps no tracer, and the default one only records
            // nothing, after naming a span for every request and setting its attributes.
            configuration.tracing.tracer = nil
            // A refused or failed connection fails the request at once, as curl's would, instead
            // of being retried until the connect timeout: a client that cannot reach its
            // repository should say so, not wait.
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroup: Self.eventLoops, configuration: configuration)
            clients[key] = client
            return client
        }
    }
}
