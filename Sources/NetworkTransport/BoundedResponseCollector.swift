import AsyncHTTPClient
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Plumbing

/// Collects one response on the event loop, refusing it the moment it proves larger than its
/// cap or, unless error statuses are wanted, once its status says it failed.
///
/// A refusal fails the request with the `FetchError` that says why, and async-http-client then
/// stops reading, so an endless body costs at most the cap.
///
/// A failed status is refused after its body, when that body is small: the connection then
/// serves the next request, where refusing at the head would close it. A TUF client meets such
/// an answer at the end of every root walk, just before it asks the same server for the
/// timestamp.
final class BoundedResponseCollector: HTTPClientResponseDelegate {
    typealias Response = HTTPResponse

    /// The most of a refused answer's body read to keep its connection; past it the connection
    /// is given up, as a connection for one more request is not worth reading more for.
    static let refusedBodyAllowance = 64 * 1024

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
        /// The failed status being refused, whose body is read and dropped.
        var refusedStatus: Int?
        var refusedBytes = 0
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
        let declaredLength = head.headers.first(name: "content-length").flatMap(Int.init)
        guard acceptsErrorStatus || (200..<300).contains(status) else {
            if let declaredLength, declaredLength > Self.refusedBodyAllowance {
                return task.eventLoop.makeFailedFuture(FetchError.httpStatus(url: url, status: status))
            }
            state.withLockedValue { $0.refusedStatus = status }
            return task.eventLoop.makeSucceededVoidFuture()
        }
        // A declared length over the cap is refused before any of the body is read.
        if let declaredLength, declaredLength > maximumBytes {
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
        let outcome = state.withLockedValue { collected -> BodyPartOutcome in
            if let refused = collected.refusedStatus {
                guard buffer.readableBytes <= Self.refusedBodyAllowance - collected.refusedBytes else { return .refused(refused) }
                collected.refusedBytes += buffer.readableBytes
                return .dropped
            }
            guard buffer.readableBytes <= maximumBytes - collected.body.count else { return .tooLarge }
            collected.body.append(contentsOf: buffer.readableBytesView)
            return .kept(total: collected.body.count)
        }
        switch outcome {
        case .kept(let total):
            progress?(total)
        case .dropped:
            break
        case .refused(let status):
            return task.eventLoop.makeFailedFuture(FetchError.httpStatus(url: url, status: status))
        case .tooLarge:
            return task.eventLoop.makeFailedFuture(FetchError.tooLarge(url: url, limit: maximumBytes))
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    /// What one part of the body did to the response.
    private enum BodyPartOutcome {
        case kept(total: Int)
        case dropped
        case refused(Int)
        case tooLarge
    }

    func didFinishRequest(task: HTTPClient.Task<HTTPResponse>) throws -> HTTPResponse {
        let collected = state.withLockedValue { $0 }
        if let refused = collected.refusedStatus { throw FetchError.httpStatus(url: url, status: refused) }
        return HTTPResponse(status: collected.status, body: collected.body, headers: collected.headers)
    }
}
