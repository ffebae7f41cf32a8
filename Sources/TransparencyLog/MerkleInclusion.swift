import Crypto
import Foundation

/// RFC 6962 / RFC 9162 Merkle tree hashing and inclusion proofs.
public enum MerkleInclusion {
    /// The hash of a leaf: SHA-256 of 0x00 then the entry.
    public static func leafHash(_ entry: some ContiguousBytes) -> [UInt8] {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0)) { hasher.update(bufferPointer: $0) }
        entry.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize().withUnsafeBytes { Array($0) }
    }

    /// The root of the empty tree: SHA-256 of nothing.
    public static let emptyRoot = Array(SHA256.hash(data: [UInt8]()))

    /// The hash of an inner node: SHA-256 of 0x01, then its children's hashes.
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        // Hashed in place from the three parts, without concatenating them first.
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(1)) { hasher.update(bufferPointer: $0) }
        left.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        right.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize().withUnsafeBytes { Array($0) }
    }

    /// The root hash that `proof` leads to from `leafHash` at `index` in a tree of `treeSize`
    /// leaves (RFC 9162, 2.1.3.2), or nil when the proof has the wrong shape for that position.
    public static func rootHash(leafHash: [UInt8], index: Int64, treeSize: Int64, proof: [[UInt8]]) -> [UInt8]? {
        guard index >= 0, index < treeSize, proof.allSatisfy({ $0.count == 32 }) else { return nil }
        var fn = UInt64(index)
        var sn = UInt64(treeSize - 1)
        var hash = leafHash
        for sibling in proof {
            guard sn != 0 else { return nil }
            if fn & 1 == 1 || fn == sn {
                hash = nodeHash(sibling, hash)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                hash = nodeHash(hash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 ? hash : nil
    }
}
