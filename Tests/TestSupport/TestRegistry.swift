import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's `docker-registry` (CNCF distribution 2.8, which has no referrers API) on a free
/// loopback port, storing in a temporary folder, stopped when this goes.
public final class TestRegistry: @unchecked Sendable {
    /// The program.
    public static let program = URL(fileURLWithPath: "/usr/bin/docker-registry")

    let process: Process
    let storage: TemporaryDirectory
    /// The port it listens on.
    public let port: Int

    /// The registry's host and port, as image references name it.
    public var host: String { "127.0.0.1:\(port)" }

    /// Starts a registry and waits until it accepts connections; with `tokens`, every request
    /// needs a bearer token from that service (the registry's token authentication).
    public init(tokens: RegistryTokenService? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.program.path) else {
            throw Python.Failure(description: "docker-registry is not installed (apt-get install docker-registry)")
        }
        storage = try TemporaryDirectory()
        port = try Self.freePort()
        var config = """
            version: 0.1
            log:
              level: error
            storage:
              filesystem:
                rootdirectory: \(storage.path)/data
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
            """
        if let tokens {
            try storage.write("token-root.pem", Array(tokens.rootCertificatePEM.utf8))
            config += """

                auth:
                  token:
                    realm: \(tokens.realm)
                    service: \(tokens.service)
                    issuer: \(tokens.issuer)
                    rootcertbundle: \(storage.file("token-root.pem").path)
                """
        }
        try storage.write("config.yml", Array(config.utf8))
        // Its log goes to a file: it writes a line per request, and a pipe nobody reads would fill
        // and stop it mid-test.
        try Data().write(to: storage.file("registry.log"))
        let log = try FileHandle(forWritingTo: storage.file("registry.log"))
        process = Process()
        process.executableURL = Self.program
        process.arguments = ["serve", storage.file("config.yml").path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try log.close()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if process.isRunning == false { break }
            if Self.accepts(port) { return }
            usleep(50_000)
        }
        // Thrown from a fully initialized instance: its deinit stops the registry.
        throw CancellationError()
    }

    deinit {
        // A registry that never started (its program missing, say) has nothing to stop, and
        // Foundation traps on signalling a process it never launched.
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// Whether something accepts connections on `port`.
    static func accepts(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// A port no one listens on now: bound, read and released.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw CancellationError() }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
