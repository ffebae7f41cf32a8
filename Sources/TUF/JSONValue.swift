/// A JSON value as TUF metadata uses it: no floating-point numbers, and object members kept
/// exactly as they were received.
///
/// Strings and member names compare by their UTF-8 bytes, not by Swift's Unicode canonical
/// equivalence, so `"é"` (U+00E9) and `"e\u{301}"` are two different names, as they are to
/// every other TUF implementation.
public enum JSONValue: Sendable {
    /// The literal `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer that fits in 64 bits; TUF allows no other numbers.
    case integer(Int64)
    /// A string.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object, with its members in the order they were parsed or added.
    case object(JSONObject)
}

extension JSONValue: Equatable {
    /// Equality as this type defines it: strings and names compare by their UTF-8 bytes.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }
}

extension JSONValue: Hashable {
    /// Hashes consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null:
            hasher.combine(0)
        case .bool(let value):
            hasher.combine(1)
            hasher.combine(value)
        case .integer(let value):
            hasher.combine(2)
            hasher.combine(value)
        case .string(let value):
            hasher.combine(3)
            for byte in value.utf8 { hasher.combine(byte) }
        case .array(let values):
            hasher.combine(4)
            hasher.combine(values)
        case .object(let object):
            hasher.combine(5)
            hasher.combine(object)
        }
    }
}

extension JSONValue {
    /// The string, if this value is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, if this value is one.
    public var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The Boolean, if this value is one.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, if this value is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The object, if this value is one.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The JSON type's name, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer: return "integer"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByStringInterpolation, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    /// A value written as a Swift literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A value written as a Swift literal.
    public init(integerLiteral value: Int64) { self = .integer(value) }
    /// A value written as a Swift literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A value written as a Swift literal.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A value written as a Swift literal.
    public init(nilLiteral: ()) { self = .null }
    /// A value written as a Swift literal.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject()
        for (name, value) in elements { object[name] = value }
        self = .object(object)
    }
}
