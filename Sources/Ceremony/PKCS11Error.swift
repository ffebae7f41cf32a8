/// Why a PKCS#11 token could not be used. Each case says what was asked of which token.
public enum PKCS11Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// The module file could not be loaded.
    case moduleNotLoadable(path: String, reason: String)
    /// No token matched the label or serial asked for.
    case tokenNotFound(String)
    /// The PIN was refused.
    case wrongPIN
    /// The PIN is locked after too many wrong attempts.
    case pinLocked
    /// No key on the token matched the id or label asked for.
    case keyNotFound(String)
    /// The key is of a type or curve this library does not sign with.
    case unsupportedKey(String)
    /// The token returned a signature that does not verify with its own public key.
    case badSignature
    /// A PKCS#11 call failed with this return value.
    case call(String, returnValue: UInt)

    /// The error as one line for people.
    public var description: String {
        switch self {
        case .moduleNotLoadable(let path, let reason): return "cannot load PKCS#11 module \(path): \(reason)"
        case .tokenNotFound(let what): return "no PKCS#11 token \(what)"
        case .wrongPIN: return "the token refused the PIN"
        case .pinLocked: return "the token's PIN is locked"
        case .keyNotFound(let what): return "no key \(what) on the token"
        case .unsupportedKey(let what): return "unsupported token key: \(what)"
        case .badSignature: return "the token's signature does not verify with its public key"
        case .call(let name, let value): return "\(name) failed with CKR 0x\(String(value, radix: 16))"
        }
    }
}
