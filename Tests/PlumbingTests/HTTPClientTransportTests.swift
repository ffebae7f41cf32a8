import Foundation
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
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        #expect(listen(socket, 16) == 0)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        let url = URL(string: "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))/stalled")!
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
