import Foundation

/// A fresh folder under the system's temporary folder, removed when the test ends.
public final class TemporaryDirectory {
    /// The folder.
    public let url: URL

    /// Creates a new, empty folder.
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("trustroot-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The folder's path.
    public var path: String { url.path }

    /// The URL of `name` inside the folder.
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// The bytes of the file `name` inside the folder.
    public func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: file(name))) }

    /// Writes `bytes` to the file `name` inside the folder.
    public func write(_ name: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: file(name)) }

    deinit { try? FileManager.default.removeItem(at: url) }
}
