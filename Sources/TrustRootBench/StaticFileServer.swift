import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A keep-alive HTTP/1.1 server on 127.0.0.1 that answers `GET` with the files of one folder,
/// read into memory when it starts, and 404 for anything else.
///
/// The clients being measured should wait for the network, not for the server: Python's
/// `http.server` spends longer on a request than a client spends verifying what it returns,
/// while a CDN answers from memory. Both clients are measured against the same server.
final class StaticFileServer: LoopbackServer {
    /// `http://127.0.0.1:PORT`.
    let baseURL: String
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// Serves the regular files under `folder`, by their path relative to it.
    init(serving folder: URL) throws {
        let files = try Self.load(folder)
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(FileHandler(files: files))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        guard let port = channel.localAddress?.port else { benchmarkFailure("the file server has no port") }
        baseURL = "http://127.0.0.1:\(port)"
    }

    /// Closes the listening socket and every connection.
    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// Every regular file under `folder`, by `/`-prefixed relative path.
    private static func load(_ folder: URL) throws -> [String: ByteBuffer] {
        var files: [String: ByteBuffer] = [:]
        let root = folder.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            benchmarkFailure("cannot read \(root)")
        }
        while let relative = walker.nextObject() as? String {
            let path = root + "/" + relative
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            files["/" + relative] = ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        return files
    }

    /// Answers each request from the preloaded files.
    private final class FileHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let files: [String: ByteBuffer]
        private var request: HTTPRequestHead?

        init(files: [String: ByteBuffer]) { self.files = files }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): request = head
            case .body: break
            case .end:
                guard let head = request else { return }
                request = nil
                respond(to: head, context: context)
            }
        }

        private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
            let path = String(head.uri.prefix { $0 != "?" })
            let body = head.method == .GET ? files[path] : nil
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: String(body?.readableBytes ?? 0))
            headers.add(name: "Content-Type", value: "application/octet-stream")
            if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
            let status: HTTPResponseStatus = body == nil ? .notFound : .ok
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
            let keepAlive = head.isKeepAlive
            // The completion runs on the channel's own event loop, where the context may be used.
            let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { boundContext.value.close(promise: nil) }
            }
        }
    }
}
