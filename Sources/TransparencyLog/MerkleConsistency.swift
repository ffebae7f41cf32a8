/// RFC 6962 / RFC 9162 consistency proofs: that a tree of `firstSize` leaves is a prefix of a
/// tree of `secondSize` leaves.
public enum MerkleConsistency {
    /// Whether `proof` shows that the tree of `firstSize` leaves with root `firstRoot` is the start
    /// of the tree of `secondSize` leaves with root `secondRoot` (RFC 9162, 2.1.4.2).
    public static func verify(
        firstSize: Int64,
        firstRoot: [UInt8],
        secondSize: Int64,
        secondRoot: [UInt8],
        proof: [[UInt8]]
    ) -> Bool {
        guard firstSize >= 0, firstSize <= secondSize, proof.count <= 128, proof.allSatisfy({ $0.count == 32 }) else {
            return false
        }
        if firstSize == secondSize { return proof.isEmpty && firstRoot == secondRoot }
        // Every tree extends the empty one; RFC 9162 defines no proof for it.
        if firstSize == 0 { return proof.isEmpty }
        guard !proof.isEmpty else { return false }
        var path = proof
        if firstSize & (firstSize - 1) == 0 { path.insert(firstRoot, at: 0) }
        var fn = UInt64(firstSize - 1)
        var sn = UInt64(secondSize - 1)
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var firstHash = path[0]
        var secondHash = path[0]
        for node in path.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                firstHash = MerkleInclusion.nodeHash(node, firstHash)
                secondHash = MerkleInclusion.nodeHash(node, secondHash)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                secondHash = MerkleInclusion.nodeHash(secondHash, node)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && firstHash == firstRoot && secondHash == secondRoot
    }
}
