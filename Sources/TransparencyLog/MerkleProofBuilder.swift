/// Builds RFC 9162 proofs and roots from the hashes of a tree's full subtrees, wherever those
/// come from (a tiled log's tiles, a test's tree).
///
/// `subtree(level, index)` is the hash of the `2^level` leaves from `index · 2^level`. The
/// proofs it builds are checked like any other: building them from a log's data proves nothing
/// until ``MerkleInclusion`` or ``MerkleConsistency`` has checked them against signed roots.
public struct MerkleProofBuilder<Failure: Error>: Sendable {
    /// The hash of a full subtree.
    public typealias Subtree = @Sendable (_ level: Int, _ index: Int64) async throws(Failure) -> [UInt8]

    let subtree: Subtree

    /// A builder reading full subtrees from `subtree`.
    public init(subtree: @escaping Subtree) {
        self.subtree = subtree
    }

    /// The root hash of the leaves `start..<end` (RFC 9162's MTH), where `start` is a multiple of
    /// the largest power of two below `end - start`, as every range a proof needs is.
    public func rangeHash(_ start: Int64, _ end: Int64) async throws(Failure) -> [UInt8] {
        let size = end - start
        precondition(size > 0, "an empty range has no hash")
        if size & (size - 1) == 0 { return try await subtree(size.trailingZeroBitCount, start >> size.trailingZeroBitCount) }
        let split = Self.largestPowerOfTwo(below: size)
        let left = try await rangeHash(start, start + split)
        let right = try await rangeHash(start + split, end)
        return MerkleInclusion.nodeHash(left, right)
    }

    /// The root hash of a tree of `size` leaves (at least one).
    public func rootHash(size: Int64) async throws(Failure) -> [UInt8] {
        try await rangeHash(0, size)
    }

    /// The inclusion proof of leaf `index` in a tree of `size` leaves (RFC 9162, 2.1.3.1), leaf
    /// end first.
    public func inclusionProof(index: Int64, size: Int64) async throws(Failure) -> [[UInt8]] {
        precondition(index >= 0 && index < size, "the leaf must be in the tree")
        var proof: [[UInt8]] = []
        var start: Int64 = 0
        var end = size
        var leaf = index
        while end - start > 1 {
            let split = Self.largestPowerOfTwo(below: end - start)
            if leaf < split {
                proof.append(try await rangeHash(start + split, end))
                end = start + split
            } else {
                proof.append(try await rangeHash(start, start + split))
                start += split
                leaf -= split
            }
        }
        return proof.reversed()
    }

    /// The consistency proof from a tree of `firstSize` leaves to one of `secondSize`
    /// (RFC 9162, 2.1.4.1), empty when the sizes are equal or the first is empty.
    public func consistencyProof(firstSize: Int64, secondSize: Int64) async throws(Failure) -> [[UInt8]] {
        precondition(firstSize >= 0 && firstSize <= secondSize, "the first tree must not be larger")
        guard firstSize > 0, firstSize < secondSize else { return [] }
        var proof: [[UInt8]] = []
        var start: Int64 = 0
        var end = secondSize
        var first = firstSize
        var isWholeFirstTree = true
        while first != end - start {
            let split = Self.largestPowerOfTwo(below: end - start)
            if first <= split {
                proof.append(try await rangeHash(start + split, end))
                end = start + split
            } else {
                proof.append(try await rangeHash(start, start + split))
                start += split
                first -= split
                isWholeFirstTree = false
            }
        }
        if !isWholeFirstTree { proof.append(try await rangeHash(start, end)) }
        return proof.reversed()
    }

    /// The largest power of two smaller than `size` (which is at least 2).
    static func largestPowerOfTwo(below size: Int64) -> Int64 {
        Int64(1) << (63 - (size - 1).leadingZeroBitCount)
    }
}
