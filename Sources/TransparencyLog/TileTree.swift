import Crypto

/// A tiled log's tree at one checkpoint, with every tile it hands out checked against that
/// checkpoint's root hash.
///
/// The tiles on the tree's right edge (the partial tile of each level) are fetched first and
/// must hash to the checkpoint's root. A full tile is then trusted once its 256 hashes hash to
/// the entry its parent tile holds for it, so each tile is checked against hashes already
/// checked. The checkpoint itself must have been verified with the log's key before.
public actor TileTree {
    /// The checkpoint the tree is checked against.
    public nonisolated let checkpoint: Checkpoint
    let client: TiledLogClient
    /// Checked tiles of level 1 and up, and the right edge of level 0, by level and index.
    var tiles: [TileKey: [UInt8]] = [:]
    /// The last full tile of level 0 that was checked, kept alone so a scan's memory stays flat.
    var lastLeafTile: (index: Int64, hashes: [UInt8])?

    struct TileKey: Hashable {
        var level: Int
        var index: Int64
    }

    /// The tree of `checkpoint` (already verified), read through `client`, after checking that
    /// the right edge of its tiles leads to the checkpoint's root.
    public init(client: TiledLogClient, checkpoint: Checkpoint) async throws(LogError) {
        self.client = client
        self.checkpoint = checkpoint
        try await checkRightEdge()
    }

    /// The tree size.
    public nonisolated var size: Int64 { checkpoint.treeSize }

    /// The number of hashes of the tile at `level`, `index`, or nil when it is outside the tree.
    nonisolated func width(level: Int, index: Int64) -> Int? {
        guard level >= 0, level < 8 else { return nil }
        let units = size >> (8 * level)
        let full = units >> 8
        if index < full { return TilePath.width }
        if index == full, units & 0xFF != 0 { return Int(units & 0xFF) }
        return nil
    }

    private func checkRightEdge() async throws(LogError) {
        guard size > 0 else {
            guard checkpoint.rootHash == Array(SHA256.hash(data: [UInt8]())) else {
                throw LogError(.malformed, "the checkpoint of an empty tree has another root than the empty hash")
            }
            return
        }
        var edge: [TileKey: [UInt8]] = [:]
        for level in 0..<8 {
            let units = size >> (8 * level)
            guard units > 0 else { break }
            guard units & 0xFF != 0 else { continue }
            let key = TileKey(level: level, index: units >> 8)
            edge[key] = try await client.tile(level: level, index: key.index, width: Int(units & 0xFF))
        }
        let edgeTiles = edge
        let builder = MerkleProofBuilder<LogError> { level, index throws(LogError) in
            let (tileLevel, first, count) = Self.location(level: level, index: index)
            guard let hashes = edgeTiles[TileKey(level: tileLevel, index: first >> 8)] else {
                throw LogError(.malformed, "the tree's right edge needs a tile it does not have")
            }
            return Self.hash(hashes, from: Int(first & 0xFF), count: count)
        }
        let root = try await builder.rootHash(size: size)
        guard root == checkpoint.rootHash else {
            throw LogError(
                .malformed,
                "the log's tiles do not hash to the root of its checkpoint at size \(size)",
                at: client.prefix.absoluteString
            )
        }
        tiles.merge(edge) { first, _ in first }
    }

    /// Which level of tiles holds a subtree, the index there of its first hash, and how many
    /// hashes it spans.
    static func location(level: Int, index: Int64) -> (tileLevel: Int, first: Int64, count: Int) {
        (level / 8, index << (level % 8), 1 << (level % 8))
    }

    /// The root of `count` hashes (a power of two) of `hashes` from `offset`.
    static func hash(_ hashes: [UInt8], from offset: Int, count: Int) -> [UInt8] {
        var level = (0..<count).map { Array(hashes[(32 * (offset + $0))..<(32 * (offset + $0 + 1))]) }
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map { MerkleInclusion.nodeHash(level[$0], level[$0 + 1]) }
        }
        return level[0]
    }

    /// The checked hashes of the tile at `level`, `index`.
    func tile(level: Int, index: Int64) async throws(LogError) -> [UInt8] {
        let key = TileKey(level: level, index: index)
        if let hashes = tiles[key] { return hashes }
        if level == 0, let last = lastLeafTile, last.index == index { return last.hashes }
        guard let width = width(level: level, index: index), width == TilePath.width else {
            throw LogError(.malformed, "tile \(level)/\(index) is outside the tree of size \(size)")
        }
        let hashes = try await client.tile(level: level, index: index, width: width)
        let expected = try await subtreeHash(level: 8 * (level + 1), index: index)
        guard Self.hash(hashes, from: 0, count: TilePath.width) == expected else {
            throw LogError(
                .malformed,
                "tile \(level)/\(index) does not hash to the entry its parent tile holds",
                at: client.url(TilePath.tile(level: level, index: index, width: width)).absoluteString
            )
        }
        if level == 0 { lastLeafTile = (index, hashes) } else { tiles[key] = hashes }
        return hashes
    }

    /// The checked hash of the `2^level` leaves from `index · 2^level`, which must be in the tree.
    public func subtreeHash(level: Int, index: Int64) async throws(LogError) -> [UInt8] {
        guard level >= 0, level < 63, index >= 0, index < (size >> level) else {
            throw LogError(.malformed, "subtree \(level)/\(index) is outside the tree of size \(size)")
        }
        let (tileLevel, first, count) = Self.location(level: level, index: index)
        let hashes = try await tile(level: tileLevel, index: first >> 8)
        return Self.hash(hashes, from: Int(first & 0xFF), count: count)
    }

    /// Proofs over this tree, built from its checked tiles.
    nonisolated var builder: MerkleProofBuilder<LogError> {
        MerkleProofBuilder { level, index throws(LogError) in try await self.subtreeHash(level: level, index: index) }
    }

    /// The entries of bundle `index`, each checked against its leaf hash in the tree: the bytes
    /// the leaves hash (for a static CT log, its `MerkleTreeLeaf`s).
    public func entries(bundle index: Int64) async throws(LogError) -> [ArraySlice<UInt8>] {
        try await entriesWithExtraData(bundle: index).map(\.leaf)
    }

    /// The entries of bundle `index`, each checked against its leaf hash in the tree, with what
    /// the log keeps beside each that the tree does not cover: for a static CT log's
    /// precertificate entry, the precertificate as an RFC 6962 `PrecertChainEntry`.
    public func entriesWithExtraData(bundle index: Int64) async throws(LogError) -> [(leaf: ArraySlice<UInt8>, extra: [UInt8]?)] {
        guard let width = width(level: 0, index: index) else {
            throw LogError(.malformed, "entry bundle \(index) is outside the tree of size \(size)")
        }
        let bundle = try await client.entryBundle(index: index, width: width)
        let location = client.url(client.entryPath(index: index, width: width)).absoluteString
        let count = bundle.isFull ? TilePath.width : width
        let entries: [(leaf: ArraySlice<UInt8>, extra: [UInt8]?)]
        do {
            switch client.entryFormat {
            case .entryBundles:
                entries = try EntryBundle.entries(bundle.bytes, count: count).prefix(width).map { ($0, nil) }
            case .staticCT:
                entries = try CTLeaf.dataTile(bundle.bytes, count: count).prefix(width).map { (ArraySlice($0.leaf), $0.extra) }
            }
        } catch {
            throw error.at(location)
        }
        let hashes = try await tile(level: 0, index: index)
        for (position, entry) in entries.enumerated() {
            guard MerkleInclusion.leafHash(entry.leaf).elementsEqual(hashes[(32 * position)..<(32 * position + 32)]) else {
                throw LogError(.malformed, "entry \(index * 256 + Int64(position)) is not the leaf the tree holds", at: location)
            }
        }
        return entries
    }

    /// The checked entry at `index`, with its inclusion proof in this tree.
    public func entry(at index: Int64) async throws(LogError) -> (entry: [UInt8], proof: [[UInt8]]) {
        let (entry, _, proof) = try await entryWithExtraData(at: index)
        return (entry, proof)
    }

    /// The checked entry at `index`, what the log keeps beside it, and its inclusion proof.
    public func entryWithExtraData(at index: Int64) async throws(LogError) -> (entry: [UInt8], extra: [UInt8]?, proof: [[UInt8]]) {
        guard index >= 0, index < size else {
            throw LogError(.notFound, "the log has no entry \(index): its size is \(size)")
        }
        let bundle = try await entriesWithExtraData(bundle: index >> 8)
        let (leaf, extra) = bundle[Int(index & 0xFF)]
        let entry = Array(leaf)
        let proof = try await builder.inclusionProof(index: index, size: size)
        guard
            MerkleInclusion.rootHash(leafHash: MerkleInclusion.leafHash(entry), index: index, treeSize: size, proof: proof)
                == checkpoint.rootHash
        else { throw LogError(.malformed, "the inclusion proof of entry \(index) does not lead to the checkpoint's root") }
        return (entry, extra, proof)
    }

    /// The consistency proof from the tree of `firstSize` leaves to this one.
    public func consistencyProof(from firstSize: Int64) async throws(LogError) -> [[UInt8]] {
        guard firstSize >= 0, firstSize <= size else {
            throw LogError(.inconsistent, "the log's size \(size) is smaller than the \(firstSize) seen before")
        }
        return try await builder.consistencyProof(firstSize: firstSize, secondSize: size)
    }
}
