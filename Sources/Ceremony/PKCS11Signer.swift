import CPKCS11
import Crypto
import CryptoExtras
import Foundation
import TUF

/// A signer whose key never leaves a PKCS#11 token (SoftHSM2, a YubiKey through ykcs11, an
/// OpenSC-supported card). The module is loaded at run time with `dlopen`.
///
/// ECDSA keys sign a digest computed on the host (`CKM_ECDSA`, which every token offers), and
/// the raw `r‖s` the token returns is re-encoded as DER, as TUF metadata carries it. Ed25519 uses
/// `CKM_EDDSA`, RSA `CKM_RSA_PKCS_PSS` with SHA-256. Every signature is checked against the
/// token's public key before it is returned.
public final class PKCS11Signer: Signer, @unchecked Sendable {
    /// The token key's public key, as metadata lists it.
    public let publicKey: Key
    private let functions: UnsafeMutablePointer<CK_FUNCTION_LIST>
    private let session: CK_SESSION_HANDLE
    private let privateKey: CK_OBJECT_HANDLE
    private let kind: KeyKind
    // PKCS#11 sessions take one operation at a time.
    private let lock = NSLock()

    enum KeyKind {
        case p256, p384, ed25519, rsa
    }

    /// Opens the token `reference` names, logs in with `pin`, and finds the key.
    public init(reference: PKCS11KeyReference, pin: [UInt8]) throws(CeremonyError) {
        do {
            let functions = try Self.load(reference.module)
            let slot = try Self.findSlot(functions, reference)
            var session = CK_SESSION_HANDLE()
            try Self.check("C_OpenSession", functions.pointee.C_OpenSession(slot, CK_FLAGS(CKF_SERIAL_SESSION), nil, nil, &session))
            do {
                try Self.login(functions, session, pin)
                let described = reference.keyID.map { "with id \(Hex.encode($0))" } ?? "labelled \(reference.keyLabel ?? "")"
                guard let privateKey = try Self.findObject(functions, session, CK_OBJECT_CLASS(CKO_PRIVATE_KEY), reference) else {
                    throw CeremonyError.keyNotFound(described)
                }
                guard let publicObject = try Self.findObject(functions, session, CK_OBJECT_CLASS(CKO_PUBLIC_KEY), reference) else {
                    throw CeremonyError.keyNotFound("\(described) (its public key)")
                }
                (kind, publicKey) = try Self.readPublicKey(functions, session, publicObject)
                self.functions = functions
                self.session = session
                self.privateKey = privateKey
            } catch {
                _ = functions.pointee.C_CloseSession(session)
                throw error
            }
        } catch {
            throw CeremonyError(error)
        }
    }

    private static func login(_ functions: UnsafeMutablePointer<CK_FUNCTION_LIST>, _ session: CK_SESSION_HANDLE, _ pin: [UInt8]) throws {
        var pinBytes = pin
        let result = pinBytes.withUnsafeMutableBufferPointer {
            functions.pointee.C_Login(session, CK_USER_TYPE(CKU_USER), $0.baseAddress, CK_ULONG($0.count))
        }
        switch result {
        case CK_RV(CKR_OK), CK_RV(CKR_USER_ALREADY_LOGGED_IN): return
        case CK_RV(CKR_PIN_INCORRECT), CK_RV(CKR_PIN_LEN_RANGE): throw CeremonyError.wrongPIN
        case CK_RV(CKR_PIN_LOCKED): throw CeremonyError.pinLocked
        default: throw CeremonyError.tokenCall("C_Login", returnValue: UInt(result))
        }
    }

    deinit {
        _ = functions.pointee.C_CloseSession(session)
    }

    /// Signs `message` on the token.
    public func sign(_ message: [UInt8]) throws(CeremonyError) -> [UInt8] {
        do {
            return try lock.withLock { () throws -> [UInt8] in
                let signature: [UInt8]
                switch kind {
                case .p256:
                    let raw = try tokenSign(CK_MECHANISM_TYPE(CKM_ECDSA), Array(SHA256.hash(data: message)))
                    guard let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: raw) else {
                        throw CeremonyError.badTokenSignature
                    }
                    signature = Array(parsed.derRepresentation)
                case .p384:
                    let raw = try tokenSign(CK_MECHANISM_TYPE(CKM_ECDSA), Array(SHA384.hash(data: message)))
                    guard let parsed = try? P384.Signing.ECDSASignature(rawRepresentation: raw) else {
                        throw CeremonyError.badTokenSignature
                    }
                    signature = Array(parsed.derRepresentation)
                case .ed25519:
                    signature = try tokenSign(CK_MECHANISM_TYPE(CKM_EDDSA), message)
                case .rsa:
                    var parameters = CK_RSA_PKCS_PSS_PARAMS(
                        hashAlg: CK_MECHANISM_TYPE(CKM_SHA256),
                        mgf: CK_RSA_PKCS_MGF_TYPE(CKG_MGF1_SHA256),
                        sLen: 32
                    )
                    signature = try withUnsafeMutableBytes(of: &parameters) {
                        try tokenSign(CK_MECHANISM_TYPE(CKM_RSA_PKCS_PSS), Array(SHA256.hash(data: message)), parameter: $0)
                    }
                }
                guard publicKey.isValidSignature(signature, for: message) else { throw CeremonyError.badTokenSignature }
                return signature
            }
        } catch {
            throw CeremonyError(error)
        }
    }

    private func tokenSign(_ mechanismType: CK_MECHANISM_TYPE, _ data: [UInt8], parameter: UnsafeMutableRawBufferPointer? = nil) throws
        -> [UInt8]
    {
        var mechanism = CK_MECHANISM(
            mechanism: mechanismType,
            pParameter: parameter?.baseAddress,
            ulParameterLen: CK_ULONG(parameter?.count ?? 0)
        )
        try Self.check("C_SignInit", functions.pointee.C_SignInit(session, &mechanism, privateKey))
        var input = data
        var output = [UInt8](repeating: 0, count: 1_024)
        var length = CK_ULONG(output.count)
        let result = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                functions.pointee.C_Sign(session, inputBuffer.baseAddress, CK_ULONG(inputBuffer.count), outputBuffer.baseAddress, &length)
            }
        }
        try Self.check("C_Sign", result)
        return Array(output.prefix(Int(length)))
    }

    // MARK: - Module, token and objects

    /// Loaded modules by path; a module is initialized once per process.
    nonisolated(unsafe) private static var modules: [String: UnsafeMutablePointer<CK_FUNCTION_LIST>] = [:]
    private static let modulesLock = NSLock()

    private static func load(_ path: String) throws -> UnsafeMutablePointer<CK_FUNCTION_LIST> {
        try modulesLock.withLock { () throws -> UnsafeMutablePointer<CK_FUNCTION_LIST> in
            if let loaded = modules[path] { return loaded }
            guard FileManager.default.fileExists(atPath: path) else {
                throw CeremonyError.moduleNotLoadable(path: path, reason: "no such file")
            }
            guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
                throw CeremonyError.moduleNotLoadable(path: path, reason: String(cString: dlerror()))
            }
            guard let symbol = dlsym(handle, "C_GetFunctionList") else {
                throw CeremonyError.moduleNotLoadable(path: path, reason: "no C_GetFunctionList: not a PKCS#11 module")
            }
            typealias GetFunctionList = @convention(c) (UnsafeMutablePointer<UnsafeMutablePointer<CK_FUNCTION_LIST>?>?) -> CK_RV
            var list: UnsafeMutablePointer<CK_FUNCTION_LIST>?
            try check("C_GetFunctionList", unsafeBitCast(symbol, to: GetFunctionList.self)(&list))
            guard let list else { throw CeremonyError.moduleNotLoadable(path: path, reason: "empty function list") }
            let initialized = list.pointee.C_Initialize(nil)
            guard initialized == CK_RV(CKR_OK) || initialized == CK_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED) else {
                throw CeremonyError.tokenCall("C_Initialize", returnValue: UInt(initialized))
            }
            modules[path] = list
            return list
        }
    }

    private static func findSlot(_ functions: UnsafeMutablePointer<CK_FUNCTION_LIST>, _ reference: PKCS11KeyReference) throws -> CK_SLOT_ID
    {
        var count = CK_ULONG(0)
        try check("C_GetSlotList", functions.pointee.C_GetSlotList(CK_BBOOL(CK_TRUE), nil, &count))
        var slots = [CK_SLOT_ID](repeating: 0, count: Int(count))
        try check("C_GetSlotList", functions.pointee.C_GetSlotList(CK_BBOOL(CK_TRUE), &slots, &count))
        for slot in slots.prefix(Int(count)) {
            var info = CK_TOKEN_INFO()
            guard functions.pointee.C_GetTokenInfo(slot, &info) == CK_RV(CKR_OK) else { continue }
            let label = withUnsafeBytes(of: info.label) { paddedString($0) }
            let serial = withUnsafeBytes(of: info.serialNumber) { paddedString($0) }
            if let wanted = reference.tokenLabel, wanted != label { continue }
            if let wanted = reference.tokenSerial, wanted != serial { continue }
            return slot
        }
        let what = [reference.tokenLabel.map { "labelled \($0)" }, reference.tokenSerial.map { "with serial \($0)" }].compactMap { $0 }
        throw CeremonyError.tokenNotFound(what.isEmpty ? "present" : what.joined(separator: " "))
    }

    private static func paddedString(_ bytes: UnsafeRawBufferPointer) -> String {
        var string = String(decoding: bytes, as: UTF8.self)
        while string.last == " " || string.last == "\0" { string.removeLast() }
        return string
    }

    private static func findObject(
        _ functions: UnsafeMutablePointer<CK_FUNCTION_LIST>,
        _ session: CK_SESSION_HANDLE,
        _ objectClass: CK_OBJECT_CLASS,
        _ reference: PKCS11KeyReference
    ) throws -> CK_OBJECT_HANDLE? {
        var classValue = objectClass
        var idValue = reference.keyID ?? []
        var labelValue = Array((reference.keyLabel ?? "").utf8)
        return try withUnsafeMutableBytes(of: &classValue) { classBytes in
            try idValue.withUnsafeMutableBytes { idBytes in
                try labelValue.withUnsafeMutableBytes { labelBytes in
                    var template = [
                        CK_ATTRIBUTE(
                            type: CK_ATTRIBUTE_TYPE(CKA_CLASS),
                            pValue: classBytes.baseAddress,
                            ulValueLen: CK_ULONG(classBytes.count)
                        )
                    ]
                    if reference.keyID != nil {
                        template.append(
                            CK_ATTRIBUTE(type: CK_ATTRIBUTE_TYPE(CKA_ID), pValue: idBytes.baseAddress, ulValueLen: CK_ULONG(idBytes.count))
                        )
                    }
                    if reference.keyLabel != nil {
                        template.append(
                            CK_ATTRIBUTE(
                                type: CK_ATTRIBUTE_TYPE(CKA_LABEL),
                                pValue: labelBytes.baseAddress,
                                ulValueLen: CK_ULONG(labelBytes.count)
                            )
                        )
                    }
                    try check("C_FindObjectsInit", functions.pointee.C_FindObjectsInit(session, &template, CK_ULONG(template.count)))
                    defer { _ = functions.pointee.C_FindObjectsFinal(session) }
                    var objects = [CK_OBJECT_HANDLE](repeating: 0, count: 2)
                    var found = CK_ULONG(0)
                    try check("C_FindObjects", functions.pointee.C_FindObjects(session, &objects, 2, &found))
                    // Two matches would make the choice of key ambiguous: refuse rather than guess.
                    if found > 1 { throw CeremonyError.keyNotFound("unambiguously (several keys match)") }
                    return found == 1 ? objects[0] : nil
                }
            }
        }
    }

    private static func attribute(
        _ functions: UnsafeMutablePointer<CK_FUNCTION_LIST>,
        _ session: CK_SESSION_HANDLE,
        _ object: CK_OBJECT_HANDLE,
        _ type: Int32
    ) throws -> [UInt8] {
        var query = CK_ATTRIBUTE(type: CK_ATTRIBUTE_TYPE(type), pValue: nil, ulValueLen: 0)
        try check("C_GetAttributeValue", functions.pointee.C_GetAttributeValue(session, object, &query, 1))
        guard query.ulValueLen != CK_ULONG.max, query.ulValueLen < 65_536 else {
            throw CeremonyError.unsupportedTokenKey("attribute 0x\(String(type, radix: 16)) unavailable")
        }
        var value = [UInt8](repeating: 0, count: Int(query.ulValueLen))
        try value.withUnsafeMutableBytes { buffer in
            query.pValue = buffer.baseAddress
            try check("C_GetAttributeValue", functions.pointee.C_GetAttributeValue(session, object, &query, 1))
        }
        return Array(value.prefix(Int(query.ulValueLen)))
    }

    // DER object identifiers as CKA_EC_PARAMS holds them.
    private static let prime256v1: [UInt8] = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
    private static let secp384r1: [UInt8] = [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22]

    private static func readPublicKey(
        _ functions: UnsafeMutablePointer<CK_FUNCTION_LIST>,
        _ session: CK_SESSION_HANDLE,
        _ object: CK_OBJECT_HANDLE
    ) throws -> (KeyKind, Key) {
        let typeBytes = try attribute(functions, session, object, Int32(CKA_KEY_TYPE))
        let keyType = typeBytes.withUnsafeBytes { $0.loadUnaligned(as: CK_KEY_TYPE.self) }
        switch keyType {
        case CK_KEY_TYPE(CKK_EC):
            let parameters = try attribute(functions, session, object, Int32(CKA_EC_PARAMS))
            let point = try attribute(functions, session, object, Int32(CKA_EC_POINT))
            if parameters == prime256v1, let key = try? P256.Signing.PublicKey(x963Representation: unwrapPoint(point, size: 65)) {
                return (.p256, Key(keyType: "ecdsa", scheme: "ecdsa-sha2-nistp256", publicValue: key.pemRepresentation + "\n"))
            }
            if parameters == secp384r1, let key = try? P384.Signing.PublicKey(x963Representation: unwrapPoint(point, size: 97)) {
                return (.p384, Key(keyType: "ecdsa", scheme: "ecdsa-sha2-nistp384", publicValue: key.pemRepresentation + "\n"))
            }
            throw CeremonyError.unsupportedTokenKey("EC key on a curve other than P-256 or P-384")
        case CK_KEY_TYPE(CKK_EC_EDWARDS):
            let point = try attribute(functions, session, object, Int32(CKA_EC_POINT))
            let raw = unwrapPoint(point, size: 32)
            guard raw.count == 32, (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else {
                throw CeremonyError.unsupportedTokenKey("Edwards key other than Ed25519")
            }
            return (.ed25519, Key(keyType: "ed25519", scheme: "ed25519", publicValue: Hex.encode(raw)))
        case CK_KEY_TYPE(CKK_RSA):
            let modulus = try attribute(functions, session, object, Int32(CKA_MODULUS))
            let exponent = try attribute(functions, session, object, Int32(CKA_PUBLIC_EXPONENT))
            guard let key = try? _RSA.Signing.PublicKey(n: modulus, e: exponent) else {
                throw CeremonyError.unsupportedTokenKey("RSA key under 2048 bits")
            }
            return (.rsa, Key(keyType: "rsa", scheme: "rsassa-pss-sha256", publicValue: key.pemRepresentation + "\n"))
        default:
            throw CeremonyError.unsupportedTokenKey("key type 0x\(String(keyType, radix: 16))")
        }
    }

    /// `CKA_EC_POINT` is a DER OCTET STRING around the point on most tokens, the bare point on some.
    private static func unwrapPoint(_ bytes: [UInt8], size: Int) -> [UInt8] {
        if bytes.count == size { return bytes }
        if bytes.count == size + 2, bytes[0] == 0x04, Int(bytes[1]) == size { return Array(bytes[2...]) }
        if bytes.count == size + 3, bytes[0] == 0x04, bytes[1] == 0x81, Int(bytes[2]) == size { return Array(bytes[3...]) }
        return bytes
    }

    private static func check(_ name: String, _ result: CK_RV) throws {
        guard result == CK_RV(CKR_OK) else { throw CeremonyError.tokenCall(name, returnValue: UInt(result)) }
    }
}
