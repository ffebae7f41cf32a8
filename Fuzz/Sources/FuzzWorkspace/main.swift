// Fuzzes opening a ceremony workspace that someone else prepared. Each input is a small program
// run on a copy of a real workspace (root proposed, one holder signed): write or delete files,
// plant links to a folder outside, plant a journal whose record follows the transcript's head
// (as a forger would write one). Then:
// - reading the workspace (snapshot) writes nothing, inside or outside;
// - finishing an interrupted step writes nothing outside, and leaves a workspace that reads
//   back with the same records;
// - nothing read is reached through a link.
import Ceremony
import Crypto
import Foundation
import FuzzSupport
import TUF

let base = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-workspace-\(getpid())")
let holders = (0..<2).map { _ in try! InMemorySigner(generating: .ed25519) }

/// A workspace with root v1 proposed and signed by one holder of two.
func makeBase() throws {
    try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    try Data("contents\n".utf8).write(to: base.appendingPathComponent("file.txt"))
    let config: JSONValue = [
        "holders": ["h0": ["key": holders[0].publicKey.json], "h1": ["key": holders[1].publicKey.json]],
        "online_key": ["key": holders[0].publicKey.json],
        "root": ["holders": ["h0", "h1"], "threshold": 2, "expiry_days": 365],
        "targets": ["holders": ["h0", "h1"], "threshold": 1, "expiry_days": 365],
        "snapshot": ["expiry_days": 7],
        "timestamp": ["expiry_days": 1],
        "files": ["file.txt": [:]],
    ]
    let (workspace, _) = try Workspace.create(
        at: base.appendingPathComponent("ws"),
        configuration: JSONWriter.prettyPrinted(config),
        configDirectory: base,
        holder: "fuzz"
    )
    var proposal = try workspace.proposal()
    try proposal.sign(with: holders[0])
    try workspace.save(proposal, step: "sign", holder: "h0", signer: (holders[0], keyID: holders[0].publicKey.keyID))
}

let paths = [
    "journal.json", "transcript.jsonl", "state.json", "ceremony.json", "proposal/root.json", "proposal/targets.json",
    "proposal/x.json", "published/1.root.json", "targets/file.txt", "targets/sub/f", "proposal", "published", "targets",
    "evil", "proposal/evil", "targets/sub",
]

/// The bytes of the regular file at `path`, read with plain calls: Foundation's reader leaks a
/// buffer per empty file, which LeakSanitizer would report on every input.
func readAll(_ path: String) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
    guard descriptor >= 0 else { return [] }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count <= 0 { return bytes }
        bytes += chunk[0..<count]
    }
}

/// Every file and link below `url`, with a digest of its bytes or its link target.
func tree(_ url: URL) -> [String: String] {
    var entries: [String: String] = [:]
    guard let enumerator = FileManager.default.enumerator(atPath: url.path) else { return [:] }
    for case let path as String in enumerator {
        let full = url.appendingPathComponent(path).path
        var status = stat()
        guard lstat(full, &status) == 0 else { continue }
        switch status.st_mode & S_IFMT {
        case S_IFLNK:
            entries[path] = "-> \((try? FileManager.default.destinationOfSymbolicLink(atPath: full)) ?? "?")"
            enumerator.skipDescendants()
        case S_IFREG: entries[path] = Hex.encode(SHA256.hash(data: readAll(full)))
        case S_IFDIR: entries[path] = "folder"
        default: entries[path] = "special \(status.st_mode)"
        }
    }
    return entries
}

/// A journal whose record follows `workspace`'s transcript head and writes `data` to `path`.
func forgedJournal(_ workspace: URL, path: String, data: [UInt8], step: String) -> [UInt8] {
    let transcript = readAll(workspace.appendingPathComponent("transcript.jsonl").path)
    let head = transcript.split(separator: UInt8(ascii: "\n")).last.map { Hex.encode(SHA256.hash(data: Array($0))) }
    let record: JSONValue = [
        "step": .string(step), "holder": "fuzz", "metadata_sha256": .string(Hex.encode(SHA256.hash(data: data))),
        "time": "2026-12-01T00:00:00Z", "previous": .string(head ?? String(repeating: "0", count: 64)),
    ]
    let journal: JSONValue = [
        "record": .string(String(decoding: CanonicalJSON.encode(record), as: UTF8.self)),
        "writes": [path: .string(Hex.encode(data))], "deletes": [],
    ]
    return CanonicalJSON.encode(journal)
}

func isFolder(_ url: URL) -> Bool {
    var status = stat()
    return lstat(url.path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
}

/// Runs the program in `input` on the workspace at `workspace`, with links pointing at `outside`.
func plant(_ input: [UInt8], in workspace: URL, outside: URL) {
    var index = 0
    var operations = 0
    while index + 4 <= input.count, operations < 16 {
        let operation = input[index] % 7
        let path = paths[Int(input[index + 1]) % paths.count]
        let length = min(Int(input[index + 2]) | Int(input[index + 3]) << 8, input.count - index - 4)
        let data = Array(input[(index + 4)..<(index + 4 + length)])
        index += 4 + length
        operations += 1
        let url = workspace.appendingPathComponent(path)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        switch operation {
        case 0:
            // Replaced, not written into: a FIFO planted there earlier would block the write.
            if !isFolder(url) { try? FileManager.default.removeItem(at: url) }
            try? Data(data).write(to: url)
        case 1:
            try? FileManager.default.removeItem(at: url)
            try? FileManager.default.createSymbolicLink(at: url, withDestinationURL: outside)
        case 2:
            try? FileManager.default.removeItem(at: url)
            try? FileManager.default.createSymbolicLink(at: url, withDestinationURL: outside.appendingPathComponent("victim.txt"))
        case 3: try? FileManager.default.removeItem(at: url)
        case 4: try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        case 5:
            let target = paths[Int(data.first ?? 0) % paths.count] + (data.count > 1 && data[1] & 1 == 1 ? "/victim.txt" : "")
            let journal = forgedJournal(
                workspace,
                path: target,
                data: Array(data.dropFirst(2)),
                step: data.count > 1 && data[1] & 2 == 2 ? "sign" : "propose"
            )
            try? FileManager.default.removeItem(at: workspace.appendingPathComponent("journal.json"))
            try? Data(journal).write(to: workspace.appendingPathComponent("journal.json"))
        default:
            _ = mkfifo(url.path, 0o644)
        }
    }
}

nonisolated(unsafe) var counter = 0

func check(_ input: UnsafeBufferPointer<UInt8>) {
    counter += 1
    let scratch = base.appendingPathComponent("run-\(counter)")
    let outside = scratch.appendingPathComponent("outside")
    let copy = scratch.appendingPathComponent("ws")
    defer { try? FileManager.default.removeItem(at: scratch) }
    try! FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
    try! Data("victim\n".utf8).write(to: outside.appendingPathComponent("victim.txt"))
    try! FileManager.default.copyItem(at: base.appendingPathComponent("ws"), to: copy)
    plant(Array(input), in: copy, outside: outside)
    let outsideBefore = tree(outside)
    let workspaceBefore = tree(copy)
    let workspace = Workspace(directory: copy)

    let snapshot = try? workspace.snapshot()
    guard tree(copy) == workspaceBefore else { fatalError("reading the workspace changed it") }
    guard tree(outside) == outsideBefore else { fatalError("reading the workspace changed a file outside it") }
    _ = try? workspace.proposal()
    _ = try? workspace.verifyRecord()
    guard tree(copy) == workspaceBefore, tree(outside) == outsideBefore else { fatalError("a read-only call wrote") }
    guard let snapshot else { return }
    // What was read from disk was a regular file reached through plain folders.
    for path in snapshot.files.keys {
        var walked = copy.path
        for part in path.split(separator: "/") {
            walked += "/\(part)"
            var status = stat()
            guard lstat(walked, &status) == 0 else { break }  // written by the pending step only
            guard status.st_mode & S_IFMT != S_IFLNK else { fatalError("\(path) was read through a link") }
        }
    }

    do {
        try workspace.finishInterruptedStep()
    } catch {
        guard tree(outside) == outsideBefore else { fatalError("a refused step changed a file outside the workspace") }
        return
    }
    guard tree(outside) == outsideBefore else { fatalError("finishing a step changed a file outside the workspace") }
    guard let again = try? workspace.snapshot(), again.records == snapshot.records, !again.hasPendingStep else {
        fatalError("a finished step does not read back as the records it showed")
    }
}

try! makeBase()
runFuzzer(check)
