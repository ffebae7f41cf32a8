import Sigstore
import TransparencyLog

/// An RFC 6962 Merkle tree over a log's entries, hashed once, level by level: a node without a
/// sibling moves up unchanged, which gives RFC 6962's root and audit paths for any size.
public struct TestMerkleTree: Sendable {
    /// The levels: leaf hashes first, the root alone last.
    let levels: [[[UInt8]]]

    /// The tree over `entries` (at least one).
    public init(_ entries: [[UInt8]]) {
        precondition(!entries.isEmpty, "a Merkle tree needs an entry")
        var levels = [entries.map { MerkleInclusion.leafHash($0) }]
        while levels[levels.count - 1].count > 1 {
            let level = levels[levels.count - 1]
            levels.append(
                stride(from: 0, to: level.count, by: 2).map {
                    $0 + 1 < level.count ? MerkleInclusion.nodeHash(level[$0], level[$0 + 1]) : level[$0]
                }
            )
        }
        self.levels = levels
    }

    /// The number of entries.
    public var size: Int { levels[0].count }

    /// The root hash.
    public var rootHash: [UInt8] { levels[levels.count - 1][0] }

    /// The audit path of entry `index`, from the leaf up.
    public func auditPath(_ index: Int) -> [[UInt8]] {
        var path: [[UInt8]] = []
        var position = index
        for level in levels.dropLast() {
            let sibling = position ^ 1
            if sibling < level.count { path.append(level[sibling]) }
            position /= 2
        }
        return path
    }
}
