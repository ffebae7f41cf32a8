import Foundation

/// One HTTP request: what a service client sends.
public struct HTTPRequest: Sendable {
    /// Where the request goes.
    public var url: URL
    /// The method, such as `GET` or `POST`.
    public var method: String
    /// Header fields to send, by name.
    public var headers: [String: String]
    /// The body to send, if any.
    public var body: [UInt8]?

    /// A request for `url`.
    public init(url: URL, method: String = "GET", headers: [String: String] = [:], body: [UInt8]? = nil) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
    }
}

/// One HTTP response, whatever its status: services explain their errors in the body.
public struct HTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// The body, at most the caller's limit.
    public var body: [UInt8]
    /// The header fields, names lowercased; a field sent more than once has its values joined
    /// by ", ".
    public var headers: [String: String]

    /// A response with `status`, `body` and `headers`.
    public init(status: Int, body: [UInt8], headers: [String: String] = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    /// Whether the status is a success (2xx).
    public var isSuccess: Bool { (200..<300).contains(status) }
}

/// How service clients (Fulcio, Rekor, timestamp authorities, OIDC) talk HTTP, so they know no
/// transport and tests can run them against services on loopback.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the response, whose body must not exceed `maximumBytes`
    /// (reading stops there with ``FetchError/tooLarge(url:limit:)``). Error statuses are
    /// responses, not errors.
    func send(_ request: HTTPRequest, maximumBytes: Int) async throws(FetchError) -> HTTPResponse
}
