import Crypto
import Foundation
import TUF
import Testing

@Suite("Keys, signers and threshold verification")
struct KeyAndThresholdTests {
    static let expires = MetadataDate.parse("2030-01-01T00:00:00Z")!

    @Test(arguments: InMemorySigner.KeyKind.allCases)
    func everyKindSignsAndVerifies(kind: InMemorySigner.KeyKind) throws {
        let signer = try InMemorySigner(generating: kind)
        let message = Array("the canonical bytes".utf8)
        let signature = try signer.sign(message)
        #expect(signer.publicKey.isSupported)
        #expect(signer.publicKey.isValidSignature(signature, for: message))
        #expect(!signer.publicKey.isValidSignature(signature, for: message + [0]))
        var flipped = signature
        flipped[flipped.count / 2] ^= 0x01
        #expect(!signer.publicKey.isValidSignature(flipped, for: message))
        #expect(!signer.publicKey.isValidSignature([], for: message))
        // The key survives its JSON form, and its id is the hash of that form.
        let reparsed = try Key(json: signer.publicKey.json)
        #expect(reparsed == signer.publicKey)
        #expect(reparsed.isValidSignature(signature, for: message))
        #expect(reparsed.keyID == Hex.encode(SHA256.hash(data: CanonicalJSON.encode(signer.publicKey.json))))
    }

    @Test func ecdsaKeyTypesOfOlderRootsVerify() throws {
        let signer = try InMemorySigner(generating: .ecdsaP256)
        let legacy = Key(keyType: "ecdsa-sha2-nistp256", scheme: "ecdsa-sha2-nistp256", publicValue: signer.publicKey.publicValue)
        let message = Array("m".utf8)
        #expect(legacy.isValidSignature(try signer.sign(message), for: message))
        #expect(legacy.keyID != signer.publicKey.keyID)
        #expect(legacy.identity == signer.publicKey.identity)
    }

    @Test func unsupportedKeysAreKeptAndVerifyNothing() throws {
        let p256 = try InMemorySigner(generating: .ecdsaP256)
        let ed = try InMemorySigner(generating: .ed25519)
        let message = Array("m".utf8)
        let keys = [
            Key(keyType: "sphincs", scheme: "sphincs-shake-256s", publicValue: "00ff"),
            Key(keyType: "ecdsa", scheme: "ecdsa-sha2-nistp384", publicValue: p256.publicKey.publicValue),
            Key(keyType: "ecdsa-sha2-nistp256", scheme: "ecdsa-sha2-nistp384", publicValue: p256.publicKey.publicValue),
            Key(keyType: "ed25519", scheme: "ed25519", publicValue: "zz"),
            Key(keyType: "ed25519", scheme: "ed25519", publicValue: String(ed.publicKey.publicValue.dropLast(2))),
            Key(keyType: "rsa", scheme: "rsassa-pss-md5", publicValue: "-----BEGIN PUBLIC KEY-----"),
            Key(keyType: "ed25519", scheme: "ecdsa-sha2-nistp256", publicValue: ed.publicKey.publicValue),
        ]
        for key in keys {
            #expect(!key.isSupported, "\(key.keyType)/\(key.scheme)")
            #expect(!key.isValidSignature(try p256.sign(message), for: message))
            #expect(!key.isValidSignature(try ed.sign(message), for: message))
            #expect(try Key(json: key.json) == key)
        }
    }

    /// An EC key's identity is its uncompressed point, read straight from the SubjectPublicKeyInfo;
    /// a point off the curve is refused all the same, and a compressed point is not read (as
    /// go-tuf does not: swift-crypto's DER reader takes uncompressed points only).
    @Test func ecdsaKeysAreTheirUncompressedPointsAndOffCurvePointsAreRefused() throws {
        let p256 = P256.Signing.PrivateKey()
        let p384 = P384.Signing.PrivateKey()
        let message = Array("m".utf8)
        let cases: [(scheme: String, prefix: UInt8, uncompressed: [UInt8], compressedInfo: [UInt8], signature: [UInt8])] = [
            (
                "ecdsa-sha2-nistp256", 0x02, Array(p256.publicKey.x963Representation),
                [0x30, 0x39, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D]
                    + [0x03, 0x01, 0x07, 0x03, 0x22, 0x00] + Array(p256.publicKey.compressedRepresentation),
                Array(try p256.signature(for: message).derRepresentation)
            ),
            (
                "ecdsa-sha2-nistp384", 0x03, Array(p384.publicKey.x963Representation),
                [0x30, 0x46, 0x30, 0x10, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22]
                    + [0x03, 0x32, 0x00] + Array(p384.publicKey.compressedRepresentation),
                Array(try p384.signature(for: message).derRepresentation)
            ),
        ]
        for (index, entry) in cases.enumerated() {
            let uncompressedInfo = index == 0 ? Array(p256.publicKey.derRepresentation) : Array(p384.publicKey.derRepresentation)
            let plain = Key(keyType: "ecdsa", scheme: entry.scheme, publicValue: PEM.encode(label: "PUBLIC KEY", der: uncompressedInfo))
            let compressed = Key(
                keyType: "ecdsa",
                scheme: entry.scheme,
                publicValue: PEM.encode(label: "PUBLIC KEY", der: entry.compressedInfo)
            )
            #expect(plain.identity == [entry.prefix] + entry.uncompressed, "\(entry.scheme)")
            #expect(compressed.identity == nil && !compressed.isSupported, "\(entry.scheme)")
            #expect(plain.isValidSignature(entry.signature, for: message))
            var offCurve = uncompressedInfo
            offCurve[offCurve.count - 1] ^= 0x01
            let refused = Key(keyType: "ecdsa", scheme: entry.scheme, publicValue: PEM.encode(label: "PUBLIC KEY", der: offCurve))
            #expect(!refused.isSupported && refused.identity == nil, "\(entry.scheme)")
        }
    }

    @Test func readsKeysFromPKCS8PEM() throws {
        let p384 = P384.Signing.PrivateKey()
        let signer = try InMemorySigner(pkcs8PEM: p384.pemRepresentation)
        #expect(signer.publicKey.scheme == "ecdsa-sha2-nistp384")
        let message = Array("m".utf8)
        #expect(signer.publicKey.isValidSignature(try signer.sign(message), for: message))
        let ed = Curve25519.Signing.PrivateKey()
        #expect(try InMemorySigner(pkcs8PEM: ed.pemRepresentation).publicKey.publicValue == Hex.encode(ed.publicKey.rawRepresentation))
        #expect(throws: (any Error).self) { try InMemorySigner(pkcs8PEM: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") }
    }

    func targets(signedBy signers: [InMemorySigner]) throws -> Metadata<Targets> {
        var metadata = Metadata(signed: Targets(expires: Self.expires))
        for signer in signers { try metadata.sign(with: signer) }
        return metadata
    }

    @Test func countsDistinctKeysOnly() throws {
        let a = try InMemorySigner(generating: .ed25519)
        let b = try InMemorySigner(generating: .ecdsaP256)
        let metadata = try targets(signedBy: [a, b])
        // Key a listed twice under different ids, and signed under both: it counts once.
        var twice = metadata
        try twice.sign(with: a, keyID: "alias-of-a")
        let keys = [a.publicKey.keyID: a.publicKey, "alias-of-a": a.publicKey, b.publicKey.keyID: b.publicKey]
        let role = Role(keyIDs: [a.publicKey.keyID, "alias-of-a", b.publicKey.keyID], threshold: 3)
        let result = ThresholdVerification(role: "targets", delegate: role, keys: keys, metadata: twice)
        #expect(result.signedKeyIDs == [a.publicKey.keyID, b.publicKey.keyID])
        #expect(result.outcomes[1].outcome == .duplicateKey(of: a.publicKey.keyID))
        #expect(!result.isSatisfied)
        let two = ThresholdVerification(role: "targets", delegate: Role(keyIDs: role.keyIDs, threshold: 2), keys: keys, metadata: twice)
        #expect(two.isSatisfied)
    }

    @Test func ignoresMissingEmptyMalformedAndWrongSignatures() throws {
        let signers = try (0..<6).map { _ in try InMemorySigner(generating: .ed25519) }
        let other = try InMemorySigner(generating: .ed25519)
        var metadata = try targets(signedBy: [signers[0]])
        let ids = signers.map(\.publicKey.keyID)
        metadata.signatures += [
            Signature(keyID: ids[1], signature: ""),
            Signature(keyID: ids[2], signature: "not hex"),
            Signature(keyID: ids[3], signature: Hex.encode(try other.sign(metadata.signedBytes))),
            // A bad and a good signature under one id: the good one counts.
            Signature(keyID: ids[4], signature: "00"),
            Signature(keyID: ids[4], signature: Hex.encode(try signers[4].sign(metadata.signedBytes))),
            Signature(keyID: "unlisted", signature: Hex.encode(try other.sign(metadata.signedBytes))),
        ]
        var keys = Dictionary(uniqueKeysWithValues: signers.map { ($0.publicKey.keyID, $0.publicKey) })
        keys[ids[5]] = nil
        let role = Role(keyIDs: ids, threshold: 2)
        let result = ThresholdVerification(role: "targets", delegate: role, keys: keys, metadata: metadata)
        #expect(result.outcomes.map(\.outcome) == [.signed, .invalidSignature, .invalidSignature, .invalidSignature, .signed, .unknownKey])
        #expect(result.isSatisfied)
        #expect(result.unsignedKeyIDs == Array(ids[1...3]) + [ids[5]])
        #expect(result.description == "targets: 2 of 2 required signatures")
    }

    /// The client's quick check answers as the full report does, for every threshold, over
    /// valid, missing, malformed, foreign, duplicate and unknown-key signatures in every order.
    @Test func quickCheckAgreesWithTheFullReport() throws {
        let signers = try (0..<5).map { _ in try InMemorySigner(generating: .ecdsaP256) }
        let other = try InMemorySigner(generating: .ecdsaP256)
        var metadata = try targets(signedBy: [signers[0], signers[2], signers[4]])
        let ids = signers.map(\.publicKey.keyID)
        try metadata.sign(with: signers[0], keyID: "alias-of-0")
        metadata.signatures += [
            Signature(keyID: ids[1], signature: "zz"),
            Signature(keyID: ids[3], signature: Hex.encode(try other.sign(metadata.signedBytes))),
        ]
        var keys = Dictionary(uniqueKeysWithValues: signers.map { ($0.publicKey.keyID, $0.publicKey) })
        keys["alias-of-0"] = signers[0].publicKey
        let listed = ids + ["alias-of-0", "not-a-key"]
        var orders = [listed, listed.reversed()]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<8 { orders.append(listed.shuffled(using: &generator)) }
        var answers: Set<Bool> = []
        for order in orders {
            for threshold in 1...listed.count {
                let role = Role(keyIDs: order, threshold: threshold)
                let full = ThresholdVerification(role: "targets", delegate: role, keys: keys, metadata: metadata)
                let quick = ThresholdVerification.isMet(
                    delegate: role,
                    keys: keys,
                    signedBytes: metadata.signedBytes,
                    signatures: metadata.signatures
                )
                #expect(quick == full.isSatisfied, "order \(order), threshold \(threshold)")
                answers.insert(quick)
            }
        }
        // Three distinct keys signed: thresholds up to 3 are met, higher ones are not.
        #expect(answers == [true, false])
    }

    /// A memo lets a second check of one document count the signatures the first verified, and
    /// nothing else: not over other bytes, and not by the same key material under another scheme.
    @Test func aMemoCountsOnlyWhatWasVerifiedOverTheSameBytesByTheSameKeyAndScheme() throws {
        let signers = try (0..<3).map { _ in try InMemorySigner(generating: .ecdsaP256) }
        let metadata = try targets(signedBy: signers)
        let ids = signers.map(\.publicKey.keyID)
        let keys = Dictionary(uniqueKeysWithValues: signers.map { ($0.publicKey.keyID, $0.publicKey) })
        func isMet(_ threshold: Int, _ bytes: [UInt8], _ memo: inout VerifiedSignatures?) -> Bool {
            ThresholdVerification.isMet(
                delegate: Role(keyIDs: ids, threshold: threshold),
                keys: keys,
                signedBytes: bytes,
                signatures: metadata.signatures,
                memo: &memo
            )
        }
        var memo: VerifiedSignatures? = VerifiedSignatures(over: metadata.signedBytes)
        #expect(isMet(2, metadata.signedBytes, &memo))
        // The check stopped at its threshold and kept the two it verified; a second one, needing
        // all three, verifies the third and agrees with a check made without the memo.
        #expect(memo?.count == 2)
        #expect(isMet(3, metadata.signedBytes, &memo))
        #expect(memo?.count == 3)

        // The same signatures over other bytes: the memo is neither used nor changed.
        var edited = metadata
        edited.signed.targets["new"] = TargetFile(length: 0, hashes: ["sha256": "00"])
        var offered = memo
        #expect(!isMet(1, edited.signedBytes, &offered))
        #expect(offered?.count == 3)

        // One RSA key listed under two schemes: a signature verified under PSS is not counted
        // for the PKCS #1 v1.5 entry, whose own check refuses it.
        let rsa = try InMemorySigner(generating: .rsa2048)
        var signed = Metadata(signed: Targets(expires: Self.expires))
        try signed.sign(with: rsa, keyID: "pss")
        let pkcs1 = Key(keyType: "rsa", scheme: "rsa-pkcs1v15-sha256", publicValue: rsa.publicKey.publicValue)
        var rsaMemo: VerifiedSignatures? = VerifiedSignatures(over: signed.signedBytes)
        #expect(
            ThresholdVerification.isMet(
                delegate: Role(keyIDs: ["pss"], threshold: 1),
                keys: ["pss": rsa.publicKey],
                signedBytes: signed.signedBytes,
                signatures: signed.signatures,
                memo: &rsaMemo
            )
        )
        #expect(rsaMemo?.count == 1)
        #expect(
            !ThresholdVerification.isMet(
                delegate: Role(keyIDs: ["pkcs1"], threshold: 1),
                keys: ["pkcs1": pkcs1],
                signedBytes: signed.signedBytes,
                signatures: signed.signatures.map { Signature(keyID: "pkcs1", signature: $0.signature) },
                memo: &rsaMemo
            )
        )
    }

    @Test func keyIDsNeedNotMatchTheKey() throws {
        let signer = try InMemorySigner(generating: .ecdsaP384)
        var metadata = Metadata(signed: Targets(expires: Self.expires))
        try metadata.sign(with: signer, keyID: "arbitrary-id")
        let result = ThresholdVerification(
            role: "targets",
            delegate: Role(keyIDs: ["arbitrary-id"], threshold: 1),
            keys: ["arbitrary-id": signer.publicKey],
            metadata: metadata
        )
        #expect(result.isSatisfied)
    }

    @Test func editingInvalidatesEarlierSignatures() throws {
        let signer = try InMemorySigner(generating: .ed25519)
        var metadata = try targets(signedBy: [signer])
        let role = Role(keyIDs: [signer.publicKey.keyID], threshold: 1)
        let keys = [signer.publicKey.keyID: signer.publicKey]
        #expect(ThresholdVerification(role: "t", delegate: role, keys: keys, metadata: metadata).isSatisfied)
        metadata.signed.targets["new"] = TargetFile(length: 0, hashes: ["sha256": "00"])
        #expect(!ThresholdVerification(role: "t", delegate: role, keys: keys, metadata: metadata).isSatisfied)
        try metadata.sign(with: signer)
        #expect(metadata.signatures.count == 1)
        #expect(ThresholdVerification(role: "t", delegate: role, keys: keys, metadata: metadata).isSatisfied)
    }

    @Test func verifyDelegateRefusesRolesThatAreNotDelegated() throws {
        let metadata = Metadata(signed: Targets(expires: Self.expires))
        let root = Root(expires: Self.expires)
        #expect(throws: MetadataError.invalidValue(path: "roles", reason: "root has no role \"role-a\"")) {
            try root.verifyDelegate("role-a", metadata: metadata)
        }
        #expect(throws: MetadataError.invalidValue(path: "signed.delegations", reason: "no delegation to role \"role-a\"")) {
            try metadata.signed.verifyDelegate("role-a", metadata: metadata)
        }
        #expect(throws: MetadataError.invalidValue(path: "roles", reason: "root has no role \"role-a\"")) {
            try root.meetsThreshold("role-a", metadata: metadata)
        }
        #expect(throws: MetadataError.invalidValue(path: "signed.delegations", reason: "no delegation to role \"role-a\"")) {
            try metadata.signed.meetsThreshold("role-a", metadata: metadata)
        }
    }
}
