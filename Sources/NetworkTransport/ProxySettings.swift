import Foundation

/// The proxies the environment names, read as curl reads them: `HTTPS_PROXY` for https URLs,
/// `HTTP_PROXY` for http URLs (each also in lower case, which wins), and `NO_PROXY`, a comma-
/// separated list of hosts that go direct: a name matches itself and its subdomains (a leading
/// dot is optional), `*` matches every host.
public struct ProxySettings: Sendable, Equatable {
    /// A proxy server.
    public struct Proxy: Sendable, Equatable {
        /// Its host.
        public var host: String
        /// Its port (1080 when the URL names none, as curl assumes).
        public var port: Int
        /// The user and password the URL carries, if any.
        public var credentials: (user: String, password: String)?

        /// Whether both name the same server with the same credentials.
        public static func == (lhs: Proxy, rhs: Proxy) -> Bool {
            lhs.host == rhs.host && lhs.port == rhs.port && lhs.credentials?.user == rhs.credentials?.user
                && lhs.credentials?.password == rhs.credentials?.password
        }
    }

    /// The proxy for https URLs.
    public var https: Proxy?
    /// The proxy for http URLs.
    public var http: Proxy?
    /// The hosts that go direct.
    public var noProxy: [String]

    /// The proxies `environment` names.
    public init(environment: [String: String]) {
        func value(_ name: String) -> String? {
            (environment[name.lowercased()] ?? environment[name]).flatMap { $0.isEmpty ? nil : $0 }
        }
        https = value("HTTPS_PROXY").flatMap(Self.proxy)
        http = value("HTTP_PROXY").flatMap(Self.proxy)
        noProxy = (value("NO_PROXY") ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }.filter { !$0.isEmpty }
    }

    /// The variables ``init(environment:)`` reads, in either case, from this process's
    /// environment: looked up by name rather than by copying the whole environment, which a
    /// short-lived command would pay for on its way to its first request.
    public static var processEnvironment: [String: String] {
        var environment: [String: String] = [:]
        for name in ["HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY"] {
            for spelling in [name, name.lowercased()] {
                if let value = getenv(spelling) { environment[spelling] = String(cString: value) }
            }
        }
        return environment
    }

    /// The proxy a request for `url` goes through; nil to go direct.
    public func proxy(for url: URL) -> Proxy? {
        guard let host = url.host?.lowercased() else { return nil }
        let proxy = url.scheme?.lowercased() == "https" ? https : http
        guard let proxy else { return nil }
        for entry in noProxy {
            if entry == "*" { return nil }
            let name = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
            if host == name || host.hasSuffix("." + name) { return nil }
        }
        return proxy
    }

    /// The proxy a `http://[user:password@]host[:port]` value names (the scheme may be left out).
    static func proxy(_ text: String) -> Proxy? {
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let components = URLComponents(string: withScheme), let host = components.host, !host.isEmpty,
            components.scheme?.lowercased() == "http"
        else { return nil }
        let credentials = components.user.map {
            (user: $0.removingPercentEncoding ?? $0, password: components.password?.removingPercentEncoding ?? "")
        }
        return Proxy(host: host, port: components.port ?? 1080, credentials: credentials)
    }
}
