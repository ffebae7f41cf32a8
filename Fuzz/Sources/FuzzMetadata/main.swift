// Fuzzes TUF metadata parsing and threshold verification: any input is either refused with an
// error or yields metadata whose signatures can be checked and which writes back to a file that
// parses to the same signed bytes.
import FuzzSupport
import TUF

func roundTrip<Signed: RoleMetadata>(_ metadata: Metadata<Signed>) {
    guard let again = try? Metadata<Signed>(bytes: metadata.encoded()), again.signedBytes == metadata.signedBytes else {
        fatalError("written \(Signed.metadataType) metadata does not parse back to the same signed bytes")
    }
}

func check(_ bytes: UnsafeBufferPointer<UInt8>) {
    let parser = JSONParser(options: .init(maximumDepth: 64, maximumBytes: 1 << 20))
    if let root = try? Metadata<Root>(bytes: bytes, parser: parser) {
        for role in ["root", "timestamp", "snapshot", "targets"] { _ = try? root.signed.verifyDelegate(role, metadata: root) }
        roundTrip(root)
    }
    if let targets = try? Metadata<Targets>(bytes: bytes, parser: parser) {
        for path in ["a", "a/b.txt", "registry.npmjs.org/x", ""] {
            for entry in targets.signed.delegations?.rolesForTarget(path) ?? [] {
                _ = try? targets.signed.verifyDelegate(entry.name, metadata: targets)
            }
        }
        roundTrip(targets)
    }
    if let timestamp = try? Metadata<Timestamp>(bytes: bytes, parser: parser) { roundTrip(timestamp) }
    if let snapshot = try? Metadata<Snapshot>(bytes: bytes, parser: parser) { roundTrip(snapshot) }
}

runFuzzer(check)
