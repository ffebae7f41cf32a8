import TUF
import Testing
import TransparencyLog

/// RFC 6962 leaf and node hashes against values computed with Python's hashlib.
@Suite("Merkle tree hashes")
struct MerkleInclusionTests {
    @Test func leafAndNodeHashesMatchKnownValues() {
        // SHA-256(0x00): RFC 6962's hash of an empty leaf.
        #expect(Hex.encode(MerkleInclusion.leafHash([])) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
        #expect(
            Hex.encode(MerkleInclusion.leafHash(Array("L123456".utf8)))
                == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
        )
        // SHA-256(0x01 ‖ leaf("a") ‖ leaf("b")).
        let node = MerkleInclusion.nodeHash(MerkleInclusion.leafHash(Array("a".utf8)), MerkleInclusion.leafHash(Array("b".utf8)))
        #expect(Hex.encode(node) == "b137985ff484fb600db93107c77b0365c80d78f5b429ded0fd97361d077999eb")
    }
}
