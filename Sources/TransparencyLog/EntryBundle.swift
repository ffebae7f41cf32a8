/// A C2SP tlog-tiles entry bundle: the log's entries in order, each a two-byte big-endian
/// length and that many bytes.
public enum EntryBundle {
    /// The `count` entries of `bytes`; anything short, long or left over is malformed.
    public static func entries(_ bytes: [UInt8], count: Int) throws(LogError) -> [ArraySlice<UInt8>] {
        var entries: [ArraySlice<UInt8>] = []
        entries.reserveCapacity(count)
        var offset = 0
        while offset < bytes.count {
            guard entries.count < count else { throw LogError(.malformed, "the entry bundle holds more than \(count) entries") }
            guard bytes.count - offset >= 2 else { throw LogError(.malformed, "the entry bundle ends inside a length") }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            offset += 2
            guard bytes.count - offset >= length else {
                throw LogError(.malformed, "entry \(entries.count) of the bundle is cut short")
            }
            entries.append(bytes[offset..<(offset + length)])
            offset += length
        }
        guard entries.count == count else {
            throw LogError(.malformed, "the entry bundle holds \(entries.count) entries, not \(count)")
        }
        return entries
    }

    /// The bundle of `entries` (each shorter than 64 KiB).
    public static func bytes(_ entries: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        for entry in entries {
            precondition(entry.count <= 0xFFFF, "an entry is at most 65535 bytes")
            bytes += [UInt8(entry.count >> 8), UInt8(entry.count & 0xFF)] + entry
        }
        return bytes
    }
}
