import Foundation

/// A fresh folder under the system's temporary folder, removed when the test ends.
public final class TemporaryDirectory {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("trustroot-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public var path: String { url.path }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    public func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: file(name))) }

    public func write(_ name: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: file(name)) }

    deinit { try? FileManager.default.removeItem(at: url) }
}
