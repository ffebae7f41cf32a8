/// Something that can sign metadata with one key: an in-memory key, an encrypted key file,
/// a hardware token.
public protocol Signer: Sendable {
    /// The public key, as metadata lists it.
    var publicKey: Key { get }
    /// The signature, in the encoding the key's scheme uses, over `message`.
    func sign(_ message: [UInt8]) throws -> [UInt8]
}
