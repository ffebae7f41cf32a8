/// Why TUF metadata was rejected while it was parsed or built. Every case names where.
public enum MetadataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The document is not acceptable JSON.
    case invalidJSON(JSONParseError)
    /// A required field is absent. The path is dotted, from the document's top.
    case missingField(path: String)
    /// A field has the wrong JSON type.
    case wrongType(path: String, expected: String, found: String)
    /// A field's value breaks a rule of the specification.
    case invalidValue(path: String, reason: String)
    /// `_type` names another kind of metadata than the one expected.
    case wrongMetadataType(expected: String, found: String)

    /// The error or outcome as one line for people.
    public var description: String {
        switch self {
        case .invalidJSON(let error): return "invalid JSON: \(error)"
        case .missingField(let path): return "missing field \(path)"
        case .wrongType(let path, let expected, let found): return "\(path) must be \(expected), not \(found)"
        case .invalidValue(let path, let reason): return "\(path): \(reason)"
        case .wrongMetadataType(let expected, let found): return "expected \(expected) metadata, found _type \"\(found)\""
        }
    }
}
