import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A small HTTP/1.1 server on 127.0.0.1 for tests: one thread accepts connections and answers
/// them one at a time (`Connection: close`), calling a handler for each request. Enough for the
/// request/response APIs of Sigstore's services; stopped when released.
///
/// Made with `keepsConnectionsOpen`, it answers each connection on a thread of its own until the
/// client closes it, and counts the connections, so a test can see whether a client reused one.
public final class LoopbackHTTPServer: @unchecked Sendable {
    /// A request as the handler sees it.
    public struct Request: Sendable {
        /// The method.
        public var method: String
        /// The path, without the query.
        public var path: String
        /// The query, without `?`.
        public var query: String
        /// Header fields, names lowercased.
        public var headers: [String: String]
        /// The body.
        public var body: [UInt8]

        /// The query's fields, percent-decoded.
        public var queryFields: [String: String] {
            var fields: [String: String] = [:]
            for pair in query.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { fields[parts[0]] = parts[1].removingPercentEncoding ?? parts[1] }
            }
            return fields
        }
    }

    /// A response.
    public struct Response: Sendable {
        /// The status code.
        public var status: Int
        /// The content type.
        public var contentType: String
        /// The body.
        public var body: [UInt8]
        /// Other header fields, by name (a redirect's `Location`).
        public var headers: [String: String] = [:]

        /// A response with these fields.
        public init(status: Int, contentType: String = "application/json", body: [UInt8], headers: [String: String] = [:]) {
            self.status = status
            self.contentType = contentType
            self.body = body
            self.headers = headers
        }

        /// A JSON error answer with a `message`, as Sigstore's services give.
        public static func error(_ status: Int, _ message: String) -> Response {
            let escaped = message.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return Response(status: status, body: Array("{\"code\": \(status), \"message\": \"\(escaped)\"}".utf8))
        }
    }

    /// The port the server listens on.
    public let port: Int
    /// The server's base URL.
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    private let listening: ListeningSocket
    private let handler: @Sendable (Request) -> Response
    private let stopped = NSLock()
    private var isStopped = false
    private let accepted = AcceptedConnections()

    /// The connections accepted so far.
    public var connectionsAccepted: Int { accepted.count }

    /// Starts a server calling `handler` for each request, closing each connection after its
    /// answer unless `keepsConnectionsOpen`.
    public init(keepsConnectionsOpen: Bool = false, handler: @escaping @Sendable (Request) -> Response) throws {
        let (descriptor, port) = try LoopbackSocket.listening()
        let listening = ListeningSocket(descriptor)
        self.listening = listening
        self.port = port
        self.handler = handler
        // The thread holds only the socket and the handler, so releasing the server stops it.
        let thread = Thread { [listening, handler, accepted] in
            Self.serve(listening, keepsConnectionsOpen: keepsConnectionsOpen, accepted: accepted, handler)
        }
        thread.start()
    }

    deinit { stop() }

    /// Stops accepting connections.
    public func stop() {
        stopped.lock()
        defer { stopped.unlock() }
        guard !isStopped else { return }
        isStopped = true
        listening.shutDown()
    }

    private static func serve(
        _ listening: ListeningSocket,
        keepsConnectionsOpen: Bool,
        accepted: AcceptedConnections,
        _ handler: @escaping @Sendable (Request) -> Response
    ) {
        while true {
            let connection = accept(listening.descriptor, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                listening.close()
                return
            }
            accepted.add()
            // A kept connection waits longer for its next request: a client closes its own idle
            // connections, and one that only waited its turn should still find this one open.
            var timeout = timeval(tv_sec: keepsConnectionsOpen ? 120 : 10, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            guard keepsConnectionsOpen else {
                if let request = Self.read(connection) {
                    Self.write(handler(request), to: connection, keepingOpen: false)
                }
                close(connection)
                continue
            }
            Thread {
                while let request = Self.read(connection) {
                    Self.write(handler(request), to: connection, keepingOpen: true)
                }
                close(connection)
            }
            .start()
        }
    }

    private static func read(_ connection: Int32) -> Request? {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var headEnd: Int?
        var contentLength = 0
        while true {
            if let end = headEnd, buffer.count >= end + contentLength { break }
            let count = recv(connection, &chunk, chunk.count, 0)
            if count <= 0 { return nil }
            buffer += chunk[0..<count]
            guard buffer.count < 64 << 20 else { return nil }
            if headEnd == nil, let range = find([13, 10, 13, 10], in: buffer) {
                headEnd = range + 4
                let head = String(decoding: buffer[0..<range], as: UTF8.self)
                for line in head.split(separator: "\r\n").dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    if parts.count == 2, parts[0].lowercased() == "content-length" {
                        contentLength = Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                }
            }
        }
        guard let end = headEnd else { return nil }
        let head = String(decoding: buffer[0..<(end - 4)], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let requestLine = lines.first else { return nil }
        let words = requestLine.split(separator: " ")
        guard words.count >= 2 else { return nil }
        let target = String(words[1])
        let pathAndQuery = target.split(separator: "?", maxSplits: 1)
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return Request(
            method: String(words[0]),
            path: String(pathAndQuery[0]),
            query: pathAndQuery.count > 1 ? String(pathAndQuery[1]) : "",
            headers: headers,
            body: Array(buffer[end..<(end + contentLength)])
        )
    }

    private static func write(_ response: Response, to connection: Int32, keepingOpen: Bool) {
        let head =
            "HTTP/1.1 \(response.status) \(response.status < 400 ? "OK" : "Error")\r\nContent-Type: \(response.contentType)\r\n"
            + response.headers.map { "\($0.key): \($0.value)\r\n" }.joined()
            + "Content-Length: \(response.body.count)\r\n\(keepingOpen ? "" : "Connection: close\r\n")\r\n"
        var bytes = Array(head.utf8) + response.body
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeMutableBytes { send(connection, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

/// The number of connections a server has accepted, read by tests on other threads.
final class AcceptedConnections: @unchecked Sendable {
    private let lock = NSLock()
    private var accepted = 0

    var count: Int { lock.withLock { accepted } }

    func add() { lock.withLock { accepted += 1 } }
}

/// A listening socket that only its accepting thread closes. `stop()` shuts it down, which makes
/// the blocked `accept` fail; were the descriptor closed there instead, its number could be
/// given to the next server's socket while the old thread still calls `accept` on it, and the
/// old thread would answer the new server's requests.
final class ListeningSocket: @unchecked Sendable {
    let descriptor: Int32
    private let lock = NSLock()
    private var isClosed = false

    init(_ descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Wakes the accepting thread, unless it has closed the socket already.
    func shutDown() {
        lock.withLock {
            if !isClosed { _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR)) }
        }
    }

    /// Closes the socket, once.
    func close() {
        lock.withLock {
            guard !isClosed else { return }
            isClosed = true
            _ = Glibc.close(descriptor)
        }
    }
}
