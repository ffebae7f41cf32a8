/// An RFC 6962 `MerkleTreeLeaf` (the bytes a CT log's tree hashes), read strictly: a
/// timestamped X.509 certificate or precertificate, and for a precertificate the
/// `pre_certificate` the log keeps beside the tree (RFC 6962 `extra_data`, static-ct-api
/// `TileLeaf`), which the tree does not cover.
public struct CTLeaf: Sendable, Equatable {
    /// What the leaf logs.
    public enum Entry: Sendable, Equatable {
        /// A certificate, DER.
        case certificate([UInt8])
        /// A precertificate's TBSCertificate (without the poison extension) and the SHA-256 of
        /// its issuer's key.
        case precertificate(issuerKeyHash: [UInt8], tbsCertificate: [UInt8])
    }

    /// When the log took the entry, in milliseconds since 1970.
    public var timestamp: UInt64
    /// The entry.
    public var entry: Entry

    /// Reads a `MerkleTreeLeaf`; anything left over is malformed.
    public init(_ bytes: some Collection<UInt8>) throws(LogError) {
        var reader = CTReader(Array(bytes))
        guard try reader.integer(1) == 0, try reader.integer(1) == 0 else {
            throw LogError(.malformed, "the CT leaf is not a version 1 timestamped entry")
        }
        timestamp = try reader.integer(8)
        switch try reader.integer(2) {
        case 0: entry = .certificate(try reader.vector(lengthBytes: 3))
        case 1:
            let issuerKeyHash = try reader.bytes(32)
            entry = .precertificate(issuerKeyHash: issuerKeyHash, tbsCertificate: try reader.vector(lengthBytes: 3))
        default: throw LogError(.malformed, "the CT leaf's entry type is neither x509 nor precert")
        }
        _ = try reader.vector(lengthBytes: 2)
        try reader.finish("CT leaf")
    }

    /// The precertificate, DER, in an RFC 6962 `PrecertChainEntry` (`extra_data` of a precert
    /// entry): the certificate the CA signed, poison extension included.
    public static func precertificate(inExtraData bytes: [UInt8]) throws(LogError) -> [UInt8] {
        var reader = CTReader(bytes)
        let precertificate = try reader.vector(lengthBytes: 3)
        _ = try reader.vector(lengthBytes: 3)
        try reader.finish("precertificate chain entry")
        return precertificate
    }
}

extension CTLeaf {
    /// The `count` entries of a static-ct-api data tile, each a `TileLeaf`: the
    /// `MerkleTreeLeaf` the tree hashes, and for a precertificate its `PrecertChainEntry` (the
    /// precertificate with an empty chain) as RFC 6962 `extra_data` would carry it. Anything
    /// short, long or left over is malformed.
    public static func dataTile(_ bytes: [UInt8], count: Int) throws(LogError) -> [(leaf: [UInt8], extra: [UInt8]?)] {
        var reader = CTReader(bytes)
        var entries: [(leaf: [UInt8], extra: [UInt8]?)] = []
        entries.reserveCapacity(count)
        while reader.offset < bytes.count {
            guard entries.count < count else { throw LogError(.malformed, "the data tile holds more than \(count) entries") }
            let start = reader.offset
            _ = try reader.integer(8)
            let type = try reader.integer(2)
            switch type {
            case 0: _ = try reader.vector(lengthBytes: 3)
            case 1:
                _ = try reader.bytes(32)
                _ = try reader.vector(lengthBytes: 3)
            default: throw LogError(.malformed, "entry \(entries.count) of the data tile is neither x509 nor precert")
            }
            _ = try reader.vector(lengthBytes: 2)
            let leaf = [0, 0] + bytes[start..<reader.offset]
            var extra: [UInt8]?
            if type == 1 {
                let precertificate = try reader.vector(lengthBytes: 3)
                extra = CTReader.vector3(precertificate) + [0, 0, 0]
            }
            let chain = try reader.vector(lengthBytes: 2)
            guard chain.count % 32 == 0 else { throw LogError(.malformed, "entry \(entries.count)'s chain is not a list of fingerprints") }
            entries.append((leaf, extra))
        }
        guard entries.count == count else { throw LogError(.malformed, "the data tile holds \(entries.count) entries, not \(count)") }
        return entries
    }
}

/// Reads the TLS presentation language's integers and length-prefixed vectors, bounds checked.
struct CTReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func bytes(_ count: Int) throws(LogError) -> [UInt8] {
        guard count >= 0, bytes.count - offset >= count else { throw LogError(.malformed, "the CT structure ends early") }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func integer(_ width: Int) throws(LogError) -> UInt64 {
        try bytes(width).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    mutating func vector(lengthBytes: Int) throws(LogError) -> [UInt8] {
        try bytes(Int(try integer(lengthBytes)))
    }

    static func vector3(_ bytes: [UInt8]) -> [UInt8] {
        [UInt8(truncatingIfNeeded: bytes.count >> 16), UInt8(truncatingIfNeeded: bytes.count >> 8), UInt8(truncatingIfNeeded: bytes.count)]
            + bytes
    }

    func finish(_ what: String) throws(LogError) {
        guard offset == bytes.count else { throw LogError(.malformed, "the \(what) has \(bytes.count - offset) bytes left over") }
    }
}
