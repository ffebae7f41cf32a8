import CLibcurlLoader
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Fetches over HTTP(S) with URLSession, counting bytes as they arrive and cancelling the
/// transfer the moment a file passes its cap, so an endless or oversized response costs at most
/// the cap. It also sends the requests of service clients (``HTTPTransport``) under the same caps.
public final class URLSessionFetcher: Fetcher, HTTPTransport {
    /// How long a request may wait for the next bytes.
    public let idleTimeout: TimeInterval
    /// How long one whole transfer may take, however steadily bytes arrive.
    public let transferTimeout: TimeInterval
    /// Nil when HTTP cannot work in this process: libcurl, which URLSession needs on Linux and
    /// which is loaded only when a fetcher is made, is missing; `unavailable` says why.
    private let session: URLSession?
    private let unavailable: String?
    private let delegate: TransferDelegate

    /// A fetcher with these timeouts, in seconds.
    public init(idleTimeout: TimeInterval = 30, transferTimeout: TimeInterval = 300) {
        self.idleTimeout = idleTimeout
        self.transferTimeout = transferTimeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        configuration.timeoutIntervalForResource = transferTimeout
        configuration.requestCachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        delegate = TransferDelegate()
        if trustroot_libcurl_load() == 0 {
            session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
            unavailable = nil
        } else {
            session = nil
            unavailable = "HTTP is unavailable: " + String(cString: trustroot_libcurl_load_error())
        }
    }

    deinit {
        session?.invalidateAndCancel()
    }

    /// Fetches `url`; see ``Fetcher/fetch(_:maximumBytes:)``.
    public func fetch(_ url: URL, maximumBytes: Int) async throws(FetchError) -> [UInt8] {
        var request = URLRequest(url: url)
        request.setValue("trustroot", forHTTPHeaderField: "User-Agent")
        return try await perform(request, maximumBytes: maximumBytes, acceptsErrorStatus: false).body
    }

    /// Fetches `url`, reporting each chunk's arrival; see ``Fetcher/fetch(_:maximumBytes:progress:)``.
    public func fetch(_ url: URL, maximumBytes: Int, progress: @escaping @Sendable (Int) -> Void) async throws(FetchError) -> [UInt8] {
        var request = URLRequest(url: url)
        request.setValue("trustroot", forHTTPHeaderField: "User-Agent")
        return try await perform(request, maximumBytes: maximumBytes, acceptsErrorStatus: false, progress: progress).body
    }

    /// Sends `request`; see ``HTTPTransport/send(_:maximumBytes:)``.
    public func send(_ request: HTTPRequest, maximumBytes: Int) async throws(FetchError) -> HTTPResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.setValue("trustroot", forHTTPHeaderField: "User-Agent")
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        if let body = request.body { urlRequest.httpBody = Data(body) }
        return try await perform(urlRequest, maximumBytes: maximumBytes, acceptsErrorStatus: true)
    }

    private func perform(
        _ request: URLRequest,
        maximumBytes: Int,
        acceptsErrorStatus: Bool,
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws(FetchError) -> HTTPResponse {
        let url = request.url?.absoluteString ?? ""
        guard let session else { throw .transport(url: url, reason: unavailable ?? "HTTP is unavailable") }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponse, FetchError>, Never>) in
            let task = session.dataTask(with: request)
            let transfer = Transfer(
                url: url,
                limit: maximumBytes,
                deadline: Date().addingTimeInterval(transferTimeout),
                acceptsErrorStatus: acceptsErrorStatus,
                progress: progress,
                continuation: continuation
            )
            delegate.register(task, transfer)
            task.resume()
            // URLSession on Linux does not enforce timeoutIntervalForResource: a server that keeps
            // sending a byte at a time would hold the client forever. The deadline is enforced here.
            let delegate = self.delegate
            DispatchQueue.global().asyncAfter(deadline: .now() + transferTimeout) { delegate.expire(task) }
        }
        return try result.get()
    }
}

/// One transfer under way: its bytes so far and how to finish it.
private final class Transfer: @unchecked Sendable {
    let url: String
    let limit: Int
    /// When the whole transfer must be done.
    let deadline: Date
    /// Whether an error status is a response to read (a service's explanation) rather than a failure.
    let acceptsErrorStatus: Bool
    /// Told the byte count as data arrives.
    let progress: (@Sendable (Int) -> Void)?
    var status = 0
    var bytes: [UInt8] = []
    var failure: FetchError?
    let continuation: CheckedContinuation<Result<HTTPResponse, FetchError>, Never>

    init(
        url: String,
        limit: Int,
        deadline: Date,
        acceptsErrorStatus: Bool,
        progress: (@Sendable (Int) -> Void)?,
        continuation: CheckedContinuation<Result<HTTPResponse, FetchError>, Never>
    ) {
        self.url = url
        self.limit = limit
        self.deadline = deadline
        self.acceptsErrorStatus = acceptsErrorStatus
        self.progress = progress
        self.continuation = continuation
    }
}

/// Routes URLSession's callbacks to the transfer they belong to.
private final class TransferDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var transfers: [Int: Transfer] = [:]

    func register(_ task: URLSessionTask, _ transfer: Transfer) {
        lock.withLock { transfers[task.taskIdentifier] = transfer }
    }

    private func transfer(for task: URLSessionTask) -> Transfer? {
        lock.withLock { transfers[task.taskIdentifier] }
    }

    /// Cancels `task` as timed out if it is still running.
    func expire(_ task: URLSessionTask) {
        let expired = lock.withLock { () -> Bool in
            guard let transfer = transfers[task.taskIdentifier], transfer.failure == nil else { return false }
            transfer.failure = .timedOut(url: transfer.url)
            return true
        }
        if expired { task.cancel() }
    }

    func urlSession(
        _ session: URLSession,
        dataTask: URLSessionDataTask,
        didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        guard let transfer = transfer(for: dataTask) else { return completionHandler(.cancel) }
        if let http = response as? HTTPURLResponse { lock.withLock { transfer.status = http.statusCode } }
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode), !transfer.acceptsErrorStatus {
            lock.withLock { transfer.failure = .httpStatus(url: transfer.url, status: http.statusCode) }
            return completionHandler(.cancel)
        }
        if response.expectedContentLength > Int64(transfer.limit) {
            lock.withLock { transfer.failure = .tooLarge(url: transfer.url, limit: transfer.limit) }
            return completionHandler(.cancel)
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let transfer = transfer(for: dataTask), lock.withLock({ transfer.failure == nil }) else { return }
        if Date() > transfer.deadline {
            lock.withLock { transfer.failure = .timedOut(url: transfer.url) }
            dataTask.cancel()
            return
        }
        if transfer.bytes.count + data.count > transfer.limit {
            lock.withLock { transfer.failure = .tooLarge(url: transfer.url, limit: transfer.limit) }
            dataTask.cancel()
            return
        }
        transfer.bytes.append(contentsOf: data)
        transfer.progress?(transfer.bytes.count)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        guard let transfer = lock.withLock({ transfers.removeValue(forKey: task.taskIdentifier) }) else { return }
        if let failure = lock.withLock({ transfer.failure }) {
            transfer.continuation.resume(returning: .failure(failure))
        } else if let error = error as? URLError {
            if error.code == .timedOut {
                transfer.continuation.resume(returning: .failure(.timedOut(url: transfer.url)))
            } else {
                transfer.continuation.resume(returning: .failure(.transport(url: transfer.url, reason: error.localizedDescription)))
            }
        } else if let error {
            transfer.continuation.resume(returning: .failure(.transport(url: transfer.url, reason: "\(error)")))
        } else {
            transfer.continuation.resume(returning: .success(HTTPResponse(status: transfer.status, body: transfer.bytes)))
        }
    }
}
