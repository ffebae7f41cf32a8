import Foundation
import NetworkTransport
import TUFClient

// follow-repository ROOT METADATA_URL TARGETS_URL CACHE TARGET OUTPUT: trust ROOT on first use,
// bring CACHE up to date with the TUF repository, and write TARGET, checked against the signed
// metadata, to OUTPUT.
let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 6, let metadataURL = URL(string: arguments[1]), let targetsURL = URL(string: arguments[2]) else {
    exit(64)
}

do {
    let cache = try MetadataCache(directory: URL(fileURLWithPath: arguments[3]))
    if cache.read("root", maximumBytes: 1 << 20) == nil {
        // The first root is trusted as given: get it, or its SHA-256, from somewhere you trust.
        try cache.bootstrap(rootBytes: Array(try Data(contentsOf: URL(fileURLWithPath: arguments[0]))))
    }
    let fetcher: any Fetcher = metadataURL.isFileURL ? FileFetcher() : HTTPClientTransport()
    var updater = Updater(cache: cache, metadataBaseURL: metadataURL, fetcher: fetcher)
    try await updater.refresh()
    guard let target = try await updater.targetInfo(arguments[4]) else {
        print("\(arguments[4]): not listed by the repository")
        exit(1)
    }
    try await updater.downloadTarget(arguments[4], target, from: targetsURL, to: URL(fileURLWithPath: arguments[5]))
    print("\(arguments[4]): \(target.length) bytes, under root version \(updater.trusted?.root.signed.version ?? 0)")
} catch {
    print("refused: \(error)")
    exit(1)
}
