import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

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
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.idleTimeout = idleTimeout
        self.transferTimeout = transferTimeout
        self.proxies = ProxySettings(environment: environment)
    }

    /// Fetches `url`; see ``Fetcher/fetch(_:maximumBytes:)``.
    public func fetch(_ url: URL, maximumBytes: Int) async throws(FetchError) -> [UInt8] {
        try await perform(HTTPRequest(url: url), maximumBytes: maximumBytes, acceptsErrorStatus: false, progress: nil).body
    }

    /// Fetches `url`, reporting each chunk's arrival; see ``Fetcher/fetch(_:maximumBytes:progress:)``.
    public func fetch(_ url: URL, maximumBytes: Int, progress: @escaping @Sendable (Int) -> Void) async throws(FetchError) -> [UInt8] {
        try await perform(HTTPRequest(url: url), maximumBytes: maximumBytes, acceptsErrorStatus: false, progress: progress).body
    }

    /// Sends `request`; see ``HTTPTransport/send(_:maximumBytes:)``.
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
        var outgoing = HTTPClientRequest(url: url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        outgoing.headers.add(name: "User-Agent", value: "trustroot")
        for (name, value) in request.headers { outgoing.headers.replaceOrAdd(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        // async-http-client holds its deadline to the response's head only: the whole transfer's
        // is a timer on the client's event loop that cancels the read, so a server trickling bytes
        // is cut off without polling, and a transfer that ends in time costs one timer, not a
        // second task.
        let transferLimit = Int64(min(transferTimeout, 86_400 * 10) * 1e9)
        let prepared = outgoing
        let work = Task {
            await Self.transfer(
                prepared,
                client: client,
                url: url,
                address: address,
                maximumBytes: maximumBytes,
                acceptsErrorStatus: acceptsErrorStatus,
                progress: progress
            )
        }
        let expired = NIOLockedValueBox(false)
        let timer = client.eventLoopGroup.any().scheduleTask(in: .nanoseconds(transferLimit)) {
            expired.withLockedValue { $0 = true }
            work.cancel()
        }
        let finished = await withTaskCancellationHandler {
            await work.value
        } onCancel: {
            work.cancel()
        }
        timer.cancel()
        // A transfer the timer cut short fails as timed out, whatever the cancelled read said.
        let outcome: Result<HTTPResponse, FetchError>
        if case .failure = finished, expired.withLockedValue({ $0 }) {
            outcome = .failure(.timedOut(url: url))
        } else {
            outcome = finished
        }
        return try outcome.get()
    }

    /// Sends `request` and reads the answer up to its cap.
    private static func transfer(
        _ request: HTTPClientRequest,
        client: HTTPClient,
        url: String,
        address: String,
        maximumBytes: Int,
        acceptsErrorStatus: Bool,
        progress: (@Sendable (Int) -> Void)?
    ) async -> Result<HTTPResponse, FetchError> {
        do {
            let response = try await client.execute(request, timeout: .hours(24 * 10), logger: nil)
            let status = Int(response.status.code)
            guard acceptsErrorStatus || (200..<300).contains(status) else { return .failure(.httpStatus(url: url, status: status)) }
            if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > maximumBytes {
                return .failure(.tooLarge(url: url, limit: maximumBytes))
            }
            var bytes: [UInt8] = []
            for try await buffer in response.body {
                // Leaving the loop early cancels the rest of the transfer.
                guard buffer.readableBytes <= maximumBytes - bytes.count else { return .failure(.tooLarge(url: url, limit: maximumBytes)) }
                bytes.append(contentsOf: buffer.readableBytesView)
                progress?(bytes.count)
            }
            var headers: [String: String] = [:]
            for (name, value) in response.headers {
                let key = name.lowercased()
                headers[key] = headers[key].map { "\($0), \(value)" } ?? value
            }
            return .success(HTTPResponse(status: status, body: bytes, headers: headers))
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout, .tlsHandshakeTimeout, .httpProxyHandshakeTimeout,
                .getConnectionFromPoolTimeout:
                return .failure(.timedOut(url: url))
            default: return .failure(.transport(url: url, reason: Self.reason(error)))
            }
        } catch let error as NIOConnectionError {
            return .failure(.transport(url: url, reason: Self.reason(error)))
        } catch let error as IOError {
            return .failure(.transport(url: url, reason: "cannot connect to \(address): \(Self.reason(error))"))
        } catch {
            return .failure(.transport(url: url, reason: "\(error)"))
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
