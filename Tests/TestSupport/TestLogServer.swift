import Foundation

/// Serves a folder over loopback HTTP as a static log server does: GET of a file's path gives
/// its bytes, anything else 404.
public final class TestLogServer: @unchecked Sendable {
    let server: LoopbackHTTPServer

    /// Serves `folder`.
    public init(folder: URL) throws {
        server = try LoopbackHTTPServer { request in
            let relative = request.path.split(separator: "/").filter { $0 != ".." && $0 != "." }.joined(separator: "/")
            guard request.method == "GET", !relative.isEmpty,
                let data = FileManager.default.contents(atPath: folder.appendingPathComponent(relative).path)
            else { return .error(404, "not found") }
            return .init(status: 200, contentType: "application/octet-stream", body: Array(data))
        }
    }

    /// The server's URL.
    public var baseURL: URL { server.baseURL }

    /// Stops serving.
    public func stop() { server.stop() }
}
