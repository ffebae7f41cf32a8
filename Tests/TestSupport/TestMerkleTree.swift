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

    /// The root of the tree of the first `size` entries, computed from the leaves.
    public func rootHash(size: Int) -> [UInt8] { rangeHash(0, size) }

    /// RFC 9162's consistency proof from the tree of the first `size` entries to this one,
    /// computed by its recursive definition rather than from the levels.
    public func consistencyProof(from size: Int) -> [[UInt8]] {
        guard size > 0, size < self.size else { return [] }
        return subproof(size, 0, self.size, complete: true)
    }

    func subproof(_ m: Int, _ start: Int, _ end: Int, complete: Bool) -> [[UInt8]] {
        let n = end - start
        if m == n { return complete ? [] : [rangeHash(start, end)] }
        var k = 1
        while k * 2 < n { k *= 2 }
        if m <= k { return subproof(m, start, start + k, complete: complete) + [rangeHash(start + k, end)] }
        return subproof(m - k, start + k, end, complete: false) + [rangeHash(start, start + k)]
    }

    func rangeHash(_ start: Int, _ end: Int) -> [UInt8] {
        if end - start == 1 { return levels[0][start] }
        var k = 1
        while k * 2 < end - start { k *= 2 }
        return MerkleInclusion.nodeHash(rangeHash(start, start + k), rangeHash(start + k, end))
    }

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
