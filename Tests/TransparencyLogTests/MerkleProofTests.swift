import TUF
import TestSupport
import Testing

@testable import TransparencyLog

/// Consistency and inclusion proofs built from subtree hashes, checked against RFC 6962's test
/// tree and against every pair of sizes of a small tree.
@Suite("Merkle proofs")
struct MerkleProofTests {
    /// The leaves of RFC 6962's test tree, as certificate-transparency's tests use them.
    static let leaves: [[UInt8]] = [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ]
    /// That tree's roots for sizes 1 to 8.
    static let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    /// A builder over the full subtrees of `entries`, hashed the slow way.
    static func builder(_ entries: [[UInt8]]) -> MerkleProofBuilder<Never> {
        MerkleProofBuilder { level, index in
            let start = Int(index) << level
            return TestMerkleTree(Array(entries[start..<(start + (1 << level))])).rootHash
        }
    }

    @Test func rootsMatchTheRFC6962TestTree() async {
        let builder = Self.builder(Self.leaves)
        for size in 1...8 {
            #expect(Hex.encode(await builder.rootHash(size: Int64(size))) == Self.roots[size - 1])
        }
    }

    @Test func everyConsistencyProofOfASmallTreeVerifiesAndNoAlteredOneDoes() async {
        let entries = (0..<33).map { [UInt8($0), 0xEE] }
        let builder = Self.builder(entries)
        let roots =
            [TUF.Hex.decode("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")!]
            + (1...entries.count).map { TestMerkleTree(Array(entries.prefix($0))).rootHash }
        for second in 1...entries.count {
            for first in 0...second {
                let proof = await builder.consistencyProof(firstSize: Int64(first), secondSize: Int64(second))
                #expect(
                    MerkleConsistency.verify(
                        firstSize: Int64(first),
                        firstRoot: roots[first],
                        secondSize: Int64(second),
                        secondRoot: roots[second],
                        proof: proof
                    )
                )
                for position in proof.indices {
                    var altered = proof
                    altered[position][0] ^= 1
                    #expect(
                        !MerkleConsistency.verify(
                            firstSize: Int64(first),
                            firstRoot: roots[first],
                            secondSize: Int64(second),
                            secondRoot: roots[second],
                            proof: altered
                        )
                    )
                }
                if first > 0 && first < second {
                    // The proof is for these sizes only, and for these roots only.
                    #expect(
                        !MerkleConsistency.verify(
                            firstSize: Int64(first),
                            firstRoot: roots[first],
                            secondSize: Int64(second),
                            secondRoot: roots[second],
                            proof: proof.dropLast()
                        )
                    )
                    #expect(
                        !MerkleConsistency.verify(
                            firstSize: Int64(first),
                            firstRoot: roots[second],
                            secondSize: Int64(second),
                            secondRoot: roots[second],
                            proof: proof
                        )
                    )
                }
            }
        }
        // A smaller second tree, or equal sizes with a proof, never verify.
        #expect(!MerkleConsistency.verify(firstSize: 3, firstRoot: roots[3], secondSize: 2, secondRoot: roots[2], proof: []))
        #expect(!MerkleConsistency.verify(firstSize: 3, firstRoot: roots[3], secondSize: 3, secondRoot: roots[3], proof: [roots[1]]))
        #expect(!MerkleConsistency.verify(firstSize: 3, firstRoot: roots[3], secondSize: 3, secondRoot: roots[4], proof: []))
    }

    @Test func inclusionProofsMatchTheAuditPaths() async {
        let entries = (0..<70).map { [UInt8($0)] }
        let builder = Self.builder(entries)
        for size in [1, 2, 3, 7, 8, 9, 64, 70] {
            let tree = TestMerkleTree(Array(entries.prefix(size)))
            for index in 0..<size {
                let proof = await builder.inclusionProof(index: Int64(index), size: Int64(size))
                #expect(proof == tree.auditPath(index))
                let root = MerkleInclusion.rootHash(
                    leafHash: MerkleInclusion.leafHash(entries[index]),
                    index: Int64(index),
                    treeSize: Int64(size),
                    proof: proof
                )
                #expect(root == tree.rootHash)
            }
        }
    }
}
