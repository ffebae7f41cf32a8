import Foundation
import TUF

#if canImport(Glibc)
    import Glibc
#endif

/// A user name and secret for a registry, as Docker's `config.json` gives them: its `auths`
/// (base64 `user:password`) or a credential helper (`credsStore`, `credHelpers`).
public struct RegistryCredentials: Sendable, Equatable {
    /// The user name.
    public var username: String
    /// The password or token.
    public var secret: String

    /// Credentials.
    public init(username: String, secret: String) {
        self.username = username
        self.secret = secret
    }

    /// The `Authorization` value for HTTP basic authentication.
    var basicAuthorization: String {
        "Basic " + String(decoding: Base64.encode(Array("\(username):\(secret)".utf8)), as: UTF8.self)
    }

    /// The credentials `config.json` in `folder` (`$DOCKER_CONFIG`, else `~/.docker`) gives for
    /// `registry`; nil when it gives none. A helper is run as `docker-credential-NAME get`, found
    /// on the `PATH` of `environment` and given that environment; its answer may not exceed
    /// ``helperAnswerLimit`` bytes.
    public static func fromDockerConfig(
        for registry: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(OCIError) -> RegistryCredentials? {
        let folder = environment["DOCKER_CONFIG"] ?? (environment["HOME"].map { $0 + "/.docker" } ?? "")
        let path = folder + "/config.json"
        guard !folder.isEmpty, let data = FileManager.default.contents(atPath: path) else { return nil }
        guard data.count <= 1 << 20, case .object(let config)? = try? JSONParser().parse(Array(data)) else {
            throw OCIError(.malformed, "the Docker configuration is not a JSON object", at: path)
        }
        let keys =
            registry == "docker.io" ? ["https://index.docker.io/v1/", "docker.io", "index.docker.io"] : [registry, "https://\(registry)"]
        if case .object(let helpers)? = config["credHelpers"], let helper = keys.lazy.compactMap({ helpers[$0]?.stringValue }).first {
            return try fromHelper(helper, server: keys[0], environment: environment)
        }
        if case .object(let auths)? = config["auths"], let entry = keys.lazy.compactMap({ auths[$0]?.objectValue }).first,
            let encoded = entry["auth"]?.stringValue
        {
            guard let decoded = Base64.decode(encoded), let text = String(bytes: decoded, encoding: .utf8),
                let colon = text.firstIndex(of: ":")
            else { throw OCIError(.malformed, "the auth for \(registry) is not base64 of user:password", at: path) }
            return RegistryCredentials(username: String(text[..<colon]), secret: String(text[text.index(after: colon)...]))
        }
        if let store = config["credsStore"]?.stringValue { return try fromHelper(store, server: keys[0], environment: environment) }
        return nil
    }

    /// The most a credential helper may answer with: a user name and a token are far smaller.
    public static let helperAnswerLimit = 1 << 16

    /// Asks `docker-credential-NAME get` for `server`'s credentials, reading at most
    /// ``helperAnswerLimit`` bytes of its answer: a helper that writes more is stopped.
    static func fromHelper(_ name: String, server: String, environment: [String: String]) throws(OCIError) -> RegistryCredentials? {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw OCIError(.malformed, "\(name) is not a credential helper name")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["docker-credential-\(name)", "get"]
        process.environment = environment
        // The helper reads the server's name from a socket rather than a pipe: a helper may exit
        // without reading it, and writing to a socket can then fail with EPIPE instead of
        // raising SIGPIPE (or trapping in FileHandle), which would end this process.
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw OCIError(.unauthorized, "cannot run docker-credential-\(name): no socket for its input")
        }
        let helperInput = FileHandle(fileDescriptor: ends[1], closeOnDealloc: true)
        defer { close(ends[0]) }
        let output = Pipe()
        process.standardInput = helperInput
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            try helperInput.close()
        } catch {
            throw OCIError(.unauthorized, "cannot run docker-credential-\(name): \(error)")
        }
        // A helper that has already exited does not need its input, and its answer says the rest.
        Self.send(Array(server.utf8), to: ends[0])
        shutdown(ends[0], Int32(SHUT_WR))
        var answer = Data()
        while answer.count <= helperAnswerLimit {
            // Blocks until the helper writes or closes its output; empty at the end.
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            answer.append(chunk)
        }
        guard answer.count <= helperAnswerLimit else {
            // Killed, not asked: a process may have been started with SIGTERM ignored.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw OCIError(.malformed, "docker-credential-\(name) answered with more than \(helperAnswerLimit) bytes")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        guard case .object(let object)? = try? JSONParser().parse(Array(answer)),
            let username = object["Username"]?.stringValue, let secret = object["Secret"]?.stringValue
        else { throw OCIError(.malformed, "docker-credential-\(name) did not answer with a Username and Secret") }
        return RegistryCredentials(username: username, secret: secret)
    }

    /// Writes `bytes` to the socket `descriptor` until all are written or the peer is gone.
    private static func send(_ bytes: [UInt8], to descriptor: Int32) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
