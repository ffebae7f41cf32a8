// Fuzzes what a ceremony reads from a workspace: the configuration and the transcript. The first
// byte chooses which. A configuration that parses must write back (as the workspace keeps it) to
// one that parses to the same value, and must yield root and targets drafts that parse back as
// TUF metadata; a transcript either verifies or is refused with an error.
import Ceremony
import Foundation
import FuzzSupport
import TUF

let nowhere = URL(fileURLWithPath: "/nonexistent-fuzz-directory")
let now = Date(timeIntervalSince1970: 1_800_000_000)

func check(_ input: UnsafeBufferPointer<UInt8>) {
    guard let selector = input.first else { return }
    let bytes = Array(input.dropFirst())
    if selector & 1 == 0 {
        _ = try? Transcript.records(in: bytes)
        return
    }
    guard let config = try? CeremonyConfig(bytes: bytes, directory: nowhere) else { return }
    let written = JSONWriter.prettyPrinted(config.resolvedJSON)
    guard let again = try? CeremonyConfig(bytes: written, directory: nowhere) else {
        fatalError("a configuration's resolved form does not parse")
    }
    // Sources become target paths in the resolved form; everything else must survive.
    var expected = config
    for index in expected.files.indices { expected.files[index].source = expected.files[index].path }
    guard again == expected else { fatalError("a configuration's resolved form parses to another configuration") }
    let root = MetadataDraft.root(config, previous: nil, now: now)
    guard (try? Root(json: root.json)) == root else { fatalError("a root draft does not parse back") }
    let targets = MetadataDraft.targets(config, previous: nil, files: [:], now: now)
    guard (try? Targets(json: targets.json)) == targets else { fatalError("a targets draft does not parse back") }
}

runFuzzer(check)
