import AsyncHTTPClient
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Collects one response on the event loop, refusing it the moment it proves larger than its
/// cap or, unless error statuses are wanted, the moment its status says it failed.
///
/// A refusal fails the request with the ``FetchError`` that says why, and async-http-client then
/// stops reading, so an endless body costs at most the cap.
final class BoundedResponseCollector: HTTPClientResponseDelegate {
    typealias Response = HTTPResponse

    private let url: String
    private let maximumBytes: Int
    private let acceptsErrorStatus: Bool
    private let progress: (@Sendable (Int) -> Void)?
    private let state = NIOLockedValueBox(Collected())

    /// What has arrived so far.
    private struct Collected {
        var status = 0
        var headers: [String: String] = [:]
        var body: [UInt8] = []
    }

    /// A collector for the response to `url`, holding at most `maximumBytes` of body.
    init(url: String, maximumBytes: Int, acceptsErrorStatus: Bool, progress: (@Sendable (Int) -> Void)?) {
        self.url = url
        self.maximumBytes = maximumBytes
        self.acceptsErrorStatus = acceptsErrorStatus
        self.progress = progress
    }

    func didReceiveHead(task: HTTPClient.Task<HTTPResponse>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        let status = Int(head.status.code)
        guard acceptsErrorStatus || (200..<300).contains(status) else {
            return task.eventLoop.makeFailedFuture(FetchError.httpStatus(url: url, status: status))
        }
        // A declared length over the cap is refused before any of the body is read.
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > maximumBytes {
            return task.eventLoop.makeFailedFuture(FetchError.tooLarge(url: url, limit: maximumBytes))
        }
        var headers: [String: String] = [:]
        for (name, value) in head.headers {
            let key = name.lowercased()
            headers[key] = headers[key].map { "\($0), \(value)" } ?? value
        }
        state.withLockedValue {
            $0.status = status
            $0.headers = headers
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<HTTPResponse>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let maximumBytes = self.maximumBytes
        let received = state.withLockedValue { collected -> Int? in
            guard buffer.readableBytes <= maximumBytes - collected.body.count else { return nil }
            collected.body.append(contentsOf: buffer.readableBytesView)
            return collected.body.count
        }
        guard let received else { return task.eventLoop.makeFailedFuture(FetchError.tooLarge(url: url, limit: maximumBytes)) }
        progress?(received)
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<HTTPResponse>) throws -> HTTPResponse {
        state.withLockedValue { HTTPResponse(status: $0.status, body: $0.body, headers: $0.headers) }
    }
}
