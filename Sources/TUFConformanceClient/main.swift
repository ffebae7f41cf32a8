// The tuf-conformance client protocol (CLIENT-CLI.md) over TUFClient, with no logic of its own:
// `--metadata-dir D init ROOT`, `--metadata-url U --metadata-dir D refresh`, and
// `... --target-name N [--target-name N …] --target-base-url B --target-dir T download`.
// Exit 0 on success, 1 on any failure (the reason on standard error), 2 on bad usage.
import Foundation
import NetworkTransport
import TUFClient

func fail(_ message: String, code: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("tuf-conformance-client: \(message)\n".utf8))
    exit(code)
}

var options: [String: String] = [:]
var targetNames: [String] = []
var positional: [String] = []
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--metadata-dir", "--metadata-url", "--target-base-url", "--target-dir":
        guard let value = arguments.popFirst() else { fail("\(argument) needs a value", code: 2) }
        options[argument] = value
    case "--target-name":
        guard let value = arguments.popFirst() else { fail("--target-name needs a value", code: 2) }
        targetNames.append(value)
    default:
        positional.append(argument)
    }
}

@MainActor func required(_ option: String) -> String {
    guard let value = options[option] else { fail("\(option) is required", code: 2) }
    return value
}

@MainActor func updater() throws(UpdateError) -> Updater {
    let cache = try MetadataCache(directory: URL(fileURLWithPath: required("--metadata-dir")))
    guard let url = URL(string: required("--metadata-url")) else { fail("bad --metadata-url", code: 2) }
    return Updater(cache: cache, metadataBaseURL: url, fetcher: HTTPClientTransport())
}

do {
    switch positional.first {
    case "init":
        guard positional.count == 2 else { fail("usage: --metadata-dir D init ROOT", code: 2) }
        guard let bytes = FileManager.default.contents(atPath: positional[1]) else { fail("cannot read \(positional[1])") }
        let cache = try MetadataCache(directory: URL(fileURLWithPath: required("--metadata-dir")))
        try cache.bootstrap(rootBytes: Array(bytes))
    case "refresh":
        var client = try updater()
        try await client.refresh()
    case "download":
        guard !targetNames.isEmpty, let base = URL(string: required("--target-base-url")) else {
            fail("download needs --target-name and --target-base-url", code: 2)
        }
        let targetDirectory = URL(fileURLWithPath: required("--target-dir"))
        var client = try updater()
        try await client.refresh()
        for name in targetNames {
            guard let info = try await client.targetInfo(name) else { throw UpdateError.targetNotFound(name) }
            let destination = targetDirectory.appendingPathComponent(percentEncoded(name))
            if client.isCached(info, at: destination) { continue }
            try await client.downloadTarget(name, info, from: base, to: destination)
        }
    default:
        fail("unknown command; use init, refresh or download", code: 2)
    }
} catch {
    fail("\(error)")
}
