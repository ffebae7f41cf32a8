import TUF

extension Metadata {
    /// Signs once with `signer` and files the signature under each of `keyIDs`, replacing any
    /// earlier signature under those ids (a key listed under two ids signs once for both).
    mutating func addSignature(by signer: some Signer, under keyIDs: [String]) throws {
        guard !keyIDs.isEmpty else { return }
        let signature = Hex.encode(try signer.sign(signedBytes))
        for keyID in keyIDs {
            signatures.removeAll { $0.keyID == keyID }
            signatures.append(Signature(keyID: keyID, signature: signature))
        }
    }

    /// Takes from `other` (the same metadata signed elsewhere) each signature under an id this
    /// copy lacks that verifies with the key `key(id)` returns; nothing if the signed content differs.
    ///
    /// - Returns: the key ids whose signatures were added.
    mutating func mergeSignatures(from other: Metadata, key: (String) -> Key?) -> [String] {
        guard other.signedBytes == signedBytes else { return [] }
        var added: [String] = []
        for signature in other.signatures where !signatures.contains(where: { $0.keyID == signature.keyID }) {
            guard let bytes = Hex.decode(signature.signature), let key = key(signature.keyID),
                key.isValidSignature(bytes, for: signedBytes)
            else { continue }
            signatures.append(signature)
            added.append(signature.keyID)
        }
        return added
    }
}
