/// The perfect subtrees of an RFC 6962 tree's first leaves, left to right: enough to append
/// leaves and compute the root of any larger tree from them alone.
public struct CompactRange: Sendable, Equatable {
    /// The subtrees' sizes (decreasing powers of two) and hashes.
    public private(set) var subtrees: [(size: Int64, hash: [UInt8])] = []
    /// How many leaves the range covers.
    public private(set) var size: Int64 = 0

    /// The empty range.
    public init() {}

    /// The range of the first `size` leaves, from the inclusion proof of its last leaf, with
    /// hash `lastLeaf`, in the tree of `size` leaves: the proof's first hashes build the last
    /// subtree, the rest are the earlier subtrees' roots, right to left.
    public init(size: Int64, lastLeaf: [UInt8], proof: [[UInt8]]) throws(LogError) {
        guard size > 0 else { throw LogError(.malformed, "an inclusion proof needs a tree with a leaf") }
        let lowest = size.trailingZeroBitCount
        guard proof.count == lowest + size.nonzeroBitCount - 1, proof.allSatisfy({ $0.count == 32 }) else {
            throw LogError(.malformed, "the inclusion proof of leaf \(size - 1) in the tree of size \(size) has \(proof.count) hashes")
        }
        var last = lastLeaf
        for sibling in proof.prefix(lowest) { last = MerkleInclusion.nodeHash(sibling, last) }
        var remaining = size - (Int64(1) << lowest)
        var earlier: [(size: Int64, hash: [UInt8])] = []
        for hash in proof.dropFirst(lowest) {
            let subtree = Int64(1) << remaining.trailingZeroBitCount
            earlier.append((subtree, hash))
            remaining -= subtree
        }
        subtrees = earlier.reversed() + [(Int64(1) << lowest, last)]
        self.size = size
    }

    /// Appends a leaf by its hash.
    public mutating func append(leafHash: [UInt8]) {
        subtrees.append((1, leafHash))
        size += 1
        while subtrees.count >= 2, subtrees[subtrees.count - 1].size == subtrees[subtrees.count - 2].size {
            let right = subtrees.removeLast()
            let left = subtrees.removeLast()
            subtrees.append((left.size * 2, MerkleInclusion.nodeHash(left.hash, right.hash)))
        }
    }

    /// The root of the tree of the covered leaves (the hash of no leaves for none).
    public var rootHash: [UInt8] {
        guard var root = subtrees.last?.hash else { return MerkleInclusion.emptyRoot }
        for subtree in subtrees.dropLast().reversed() { root = MerkleInclusion.nodeHash(subtree.hash, root) }
        return root
    }

    /// Whether two ranges cover the same subtrees.
    public static func == (lhs: CompactRange, rhs: CompactRange) -> Bool {
        lhs.size == rhs.size && lhs.subtrees.map(\.hash) == rhs.subtrees.map(\.hash)
    }
}
