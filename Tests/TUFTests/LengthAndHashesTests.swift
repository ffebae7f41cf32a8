import Crypto
import TUF
import Testing

@Suite("Length and hash checks")
struct LengthAndHashesTests {
    let bytes = Array("trusted_root.json contents".utf8)

    @Test func acceptsMatchingBytes() throws {
        let target = TargetFile(describing: bytes)
        try target.verify(bytes)
        #expect(target.hashes.keys.sorted() == ["sha256", "sha512"])
        try MetaFile(version: 1).verify(bytes)
        try MetaFile(version: 1, length: bytes.count, hashes: ["sha384": Hex.encode(SHA384.hash(data: bytes)).uppercased()]).verify(bytes)
    }

    @Test func constantTimeComparison() {
        #expect(ConstantTime.isEqual([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.isEqual([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.isEqual([1, 2], [1, 2, 3]))
        #expect(ConstantTime.isEqual([], []))
    }

    @Test func rejectsEveryMismatch() {
        let target = TargetFile(describing: bytes)
        #expect(throws: LengthAndHashError.lengthMismatch(expected: bytes.count, actual: bytes.count + 1)) {
            try target.verify(bytes + [0])
        }
        var changed = bytes
        changed[0] ^= 1
        #expect(throws: LengthAndHashError.hashMismatch(algorithm: "sha256")) { try target.verify(changed) }
        var onlySHA512 = target
        onlySHA512.hashes["sha256"] = nil
        #expect(throws: LengthAndHashError.hashMismatch(algorithm: "sha512")) { try onlySHA512.verify(changed) }
        var unknown = target
        unknown.hashes["blake2b"] = "00"
        #expect(throws: LengthAndHashError.unsupportedAlgorithm("blake2b")) { try unknown.verify(bytes) }
        var malformed = target
        malformed.hashes["sha256"] = "abc"
        #expect(throws: LengthAndHashError.malformedHash(algorithm: "sha256")) { try malformed.verify(bytes) }
        #expect(throws: LengthAndHashError.lengthMismatch(expected: 3, actual: bytes.count)) {
            try MetaFile(version: 1, length: 3).verify(bytes)
        }
    }
}
