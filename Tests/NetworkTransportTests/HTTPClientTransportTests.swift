import Foundation
import NetworkTransport
import Plumbing
import TestSupport
import Testing

/// The async-http-client transport against servers on loopback that behave and misbehave.
@Suite("HTTP transport")
struct HTTPClientTransportTests {
    @Test func fetchesSendsAndReadsErrorAnswers() async throws {
        let server = try LoopbackHTTPServer { request in
            switch request.path {
            case "/file": return .init(status: 200, contentType: "text/plain", body: Array("contents".utf8))
            case "/echo": return .init(status: 201, body: Array("\(request.method) \(String(decoding: request.body, as: UTF8.self))".utf8))
            default: return .error(404, "no such file")
            }
        }
        defer { server.stop() }
        let transport = HTTPClientTransport(idleTimeout: 60, transferTimeout: 300, environment: [:])
        #expect(try await transport.fetch(server.baseURL.appendingPathComponent("file"), maximumBytes: 100) == Array("contents".utf8))
        let sent = try await transport.send(
            HTTPRequest(url: server.baseURL.appendingPathComponent("echo"), method: "POST", body: Array("hello".utf8)),
            maximumBytes: 100
        )
        #expect(sent.status == 201 && sent.body == Array("POST hello".utf8))
        // A fetch fails on an error status; a service request reads the service's explanation.
        await #expect(throws: FetchError.httpStatus(url: server.baseURL.appendingPathComponent("gone").absoluteString, status: 404)) {
            try await transport.fetch(server.baseURL.appendingPathComponent("gone"), maximumBytes: 100)
        }
        let answer = try await transport.send(HTTPRequest(url: server.baseURL.appendingPathComponent("gone")), maximumBytes: 100)
        #expect(answer.status == 404 && String(decoding: answer.body, as: UTF8.self).contains("no such file"))
        // The cap holds whatever the server announces.
        let capped = server.baseURL.appendingPathComponent("file")
        await #expect(throws: FetchError.tooLarge(url: capped.absoluteString, limit: 4)) {
            try await transport.fetch(capped, maximumBytes: 4)
        }
    }

    /// A missing file leaves its connection for the next request, as at the end of every root
    /// walk, just before the timestamp is asked for. An error answer announced as longer than is
    /// worth reading is refused at its head and costs its connection instead.
    @Test func aShortErrorAnswerKeepsItsConnection() async throws {
        let long = [UInt8](repeating: 0x61, count: 4 << 20)
        let server = try LoopbackHTTPServer(keepsConnectionsOpen: true) { request in
            switch request.path {
            case "/file": return .init(status: 200, contentType: "text/plain", body: Array("contents".utf8))
            case "/long-refusal": return .init(status: 403, contentType: "text/plain", body: long)
            default: return .error(404, "no such file")
            }
        }
        defer { server.stop() }
        let transport = HTTPClientTransport(idleTimeout: 60, transferTimeout: 300, environment: [:])
        let file = server.baseURL.appendingPathComponent("file")
        let gone = server.baseURL.appendingPathComponent("gone")
        // Off the cooperative threads: delayed there, the requests came so far apart in a full
        // run that the server's keep-alive ended between them.
        try await OwnThreadExecutor.shared.run { () async throws in
            for _ in 0..<3 {
                await #expect(throws: FetchError.httpStatus(url: gone.absoluteString, status: 404)) {
                    try await transport.fetch(gone, maximumBytes: 100)
                }
                #expect(try await transport.fetch(file, maximumBytes: 100) == Array("contents".utf8))
            }
            #expect(server.connectionsAccepted == 1)
            let refused = server.baseURL.appendingPathComponent("long-refusal")
            await #expect(throws: FetchError.httpStatus(url: refused.absoluteString, status: 403)) {
                try await transport.fetch(refused, maximumBytes: 100)
            }
            #expect(try await transport.fetch(file, maximumBytes: 100) == Array("contents".utf8))
            #expect(server.connectionsAccepted == 2)
        }
    }

    /// An error answer whose body never ends is read only up to the allowance for refused
    /// bodies: the fetch fails on its status long before either timeout.
    @Test func anEndlessErrorAnswerIsNotReadToItsEnd() async throws {
        let (listening, port) = try LoopbackSocket.listening()
        let sent = SentBytes()
        // Announces no length, so the body runs until the connection closes, and never closes it.
        Thread {
            let connection = accept(listening, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            var head = Array("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\n".utf8)
            _ = send(connection, &head, head.count, Int32(MSG_NOSIGNAL))
            var chunk = [UInt8](repeating: 0x61, count: 16_384)
            while sent.total < 256 << 20 {
                let count = send(connection, &chunk, chunk.count, Int32(MSG_NOSIGNAL))
                if count <= 0 { return }
                sent.add(count)
            }
        }
        .start()
        defer { close(listening) }
        let url = URL(string: "http://127.0.0.1:\(port)/endless-refusal")!
        let transport = HTTPClientTransport(idleTimeout: 60, transferTimeout: 600, environment: [:])
        // Off the cooperative threads, so the time measured is the transfer's, not a wait for
        // a thread that other suites hold.
        try await OwnThreadExecutor.shared.run { () async throws in
            let start = Date()
            await #expect(throws: FetchError.httpStatus(url: url.absoluteString, status: 404)) {
                try await transport.fetch(url, maximumBytes: 100)
            }
            #expect(Date().timeIntervalSince(start) < 50)
        }
        #expect(sent.total < 256 << 20, "the whole endless answer was sent")
    }

    @Test func redirectsOnlyToHTTP() async throws {
        let target = try LoopbackHTTPServer { _ in .init(status: 200, contentType: "text/plain", body: Array("moved".utf8)) }
        defer { target.stop() }
        let server = try LoopbackHTTPServer { request in
            let location = request.path == "/to-file" ? "file:///etc/passwd" : target.baseURL.appendingPathComponent("here").absoluteString
            return .init(status: 302, contentType: "text/plain", body: [], headers: ["Location": location])
        }
        defer { server.stop() }
        let transport = HTTPClientTransport(idleTimeout: 60, transferTimeout: 300, environment: [:])
        #expect(try await transport.fetch(server.baseURL.appendingPathComponent("to-http"), maximumBytes: 100) == Array("moved".utf8))
        do {
            let bytes = try await transport.fetch(server.baseURL.appendingPathComponent("to-file"), maximumBytes: 1 << 20)
            Issue.record("a redirect to file:// gave \(bytes.count) bytes")
        } catch {
            if case .httpStatus(_, let status) = error { #expect(status == 302) }
        }
        await #expect(throws: FetchError.self) { try await transport.fetch(URL(string: "file:///etc/passwd")!, maximumBytes: 1 << 20) }
    }

    /// A registry's token or a service's credentials go only where they were sent: a redirect
    /// to another origin (here another port on the same host) arrives without them, one on the
    /// same origin with them.
    @Test func credentialsAreNotForwardedToAnotherOrigin() async throws {
        /// The Authorization header each path was requested with.
        final class Received: @unchecked Sendable {
            private let lock = NSLock()
            private var authorizations: [String: String] = [:]
            func record(_ request: LoopbackHTTPServer.Request) {
                lock.withLock { authorizations[request.path] = request.headers["authorization"] ?? "none" }
            }
            var all: [String: String] { lock.withLock { authorizations } }
        }
        let seen = Received()
        let elsewhere = try LoopbackHTTPServer { request in
            seen.record(request)
            return .init(status: 200, contentType: "text/plain", body: Array("elsewhere".utf8))
        }
        defer { elsewhere.stop() }
        let server = try LoopbackHTTPServer { request in
            seen.record(request)
            switch request.path {
            case "/to-another-origin":
                let location = elsewhere.baseURL.appendingPathComponent("blob").absoluteString
                return .init(status: 307, contentType: "text/plain", body: [], headers: ["Location": location])
            case "/to-the-same-origin":
                return .init(status: 307, contentType: "text/plain", body: [], headers: ["Location": "/here"])
            default: return .init(status: 200, contentType: "text/plain", body: Array("here".utf8))
            }
        }
        defer { server.stop() }
        let transport = HTTPClientTransport(idleTimeout: 60, transferTimeout: 300, environment: [:])
        let credentials = ["Authorization": "Bearer secret-token"]
        let moved = try await transport.send(
            HTTPRequest(url: server.baseURL.appendingPathComponent("to-another-origin"), headers: credentials),
            maximumBytes: 100
        )
        #expect(moved.status == 200 && moved.body == Array("elsewhere".utf8))
        let stayed = try await transport.send(
            HTTPRequest(url: server.baseURL.appendingPathComponent("to-the-same-origin"), headers: credentials),
            maximumBytes: 100
        )
        #expect(stayed.status == 200 && stayed.body == Array("here".utf8))
        let received = seen.all
        #expect(received["/to-another-origin"] == "Bearer secret-token")
        #expect(received["/blob"] == "none", "the other origin was sent \(received["/blob"] ?? "nothing")")
        #expect(received["/here"] == "Bearer secret-token")
    }

    /// A refused connection fails at once with the address and the reason, instead of being
    /// retried until the connect timeout (here far longer than the test may take).
    @Test func aRefusedConnectionFailsAtOnce() async throws {
        let transport = HTTPClientTransport(idleTimeout: 600, transferTimeout: 3_600, environment: [:])
        let url = URL(string: "http://127.0.0.1:9/refused")!
        let start = Date()
        await #expect(throws: FetchError.transport(url: url.absoluteString, reason: "cannot connect to 127.0.0.1:9: Connection refused")) {
            try await transport.fetch(url, maximumBytes: 100)
        }
        #expect(Date().timeIntervalSince(start) < 300)
    }

    /// A server that accepts and never answers: the request ends as timed out, and not before
    /// the idle timeout. (How soon after is not asserted, nor CPU time: in a full run, other
    /// suites share this process and block the cooperative threads the waiting task resumes
    /// on, which delayed it by minutes once.)
    @Test func aStalledServerEndsAtTheIdleTimeout() async throws {
        let (socket, port) = try LoopbackSocket.listening()
        defer { close(socket) }
        let url = URL(string: "http://127.0.0.1:\(port)/stalled")!
        let transport = HTTPClientTransport(idleTimeout: 3, transferTimeout: 60, environment: [:])
        let start = Date()
        await #expect(throws: FetchError.timedOut(url: url.absoluteString)) { try await transport.fetch(url, maximumBytes: 100) }
        let waited = Date().timeIntervalSince(start)
        #expect(waited >= 2.5, "waited \(waited) s for an idle timeout of 3 s")
    }

    @Test func proxiesAreTakenFromTheEnvironmentAsCurlTakesThem() {
        let settings = ProxySettings(environment: [
            "HTTPS_PROXY": "http://user:p%40ss@proxy.example:3128", "http_proxy": "proxy.example",
            "NO_PROXY": "internal.example, .corp, localhost",
        ])
        let https = settings.proxy(for: URL(string: "https://tuf-repo-cdn.sigstore.dev/root.json")!)
        #expect(https?.host == "proxy.example" && https?.port == 3128)
        #expect(https?.credentials?.user == "user" && https?.credentials?.password == "p@ss")
        #expect(settings.proxy(for: URL(string: "http://example.com/")!)?.port == 1080)
        for direct in ["https://internal.example/x", "https://a.internal.example/x", "https://b.corp/x", "http://localhost/x"] {
            #expect(settings.proxy(for: URL(string: direct)!) == nil, "\(direct)")
        }
        #expect(settings.proxy(for: URL(string: "https://notinternal.example/x")!) != nil)
        #expect(ProxySettings(environment: ["HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"]).proxy(for: URL(string: "https://x/")!) == nil)
        #expect(ProxySettings(environment: [:]).proxy(for: URL(string: "https://x/")!) == nil)
        // A proxy URL of another scheme is not taken for an HTTP proxy.
        #expect(ProxySettings(environment: ["HTTPS_PROXY": "socks5://p:1"]).https == nil)
    }
}

/// Bytes a test's server thread has sent, read from the test.
private final class SentBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var sent = 0

    var total: Int { lock.withLock { sent } }

    func add(_ count: Int) { lock.withLock { sent += count } }
}
