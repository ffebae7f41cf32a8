/// Reads the fields of one JSON object into a typed model, naming each field's path in errors
/// and leaving whatever it did not read as the object's unrecognized fields.
package struct FieldReader {
    package private(set) var remaining: JSONObject
    package let path: String

    package init(_ value: JSONValue, path: String) throws(MetadataError) {
        guard case .object(let object) = value else {
            throw .wrongType(path: path, expected: "an object", found: value.typeName)
        }
        self.remaining = object
        self.path = path
    }

    package func fieldPath(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    package mutating func take(_ name: String) -> JSONValue? {
        remaining.removeValue(forName: name)
    }

    package mutating func required(_ name: String) throws(MetadataError) -> JSONValue {
        guard let value = take(name) else { throw .missingField(path: fieldPath(name)) }
        return value
    }

    package mutating func string(_ name: String) throws(MetadataError) -> String {
        try Self.string(required(name), path: fieldPath(name))
    }

    package mutating func optionalString(_ name: String) throws(MetadataError) -> String? {
        guard let value = take(name) else { return nil }
        return try Self.string(value, path: fieldPath(name))
    }

    package mutating func integer(_ name: String) throws(MetadataError) -> Int {
        try Self.integer(required(name), path: fieldPath(name))
    }

    package mutating func optionalInteger(_ name: String) throws(MetadataError) -> Int? {
        guard let value = take(name) else { return nil }
        return try Self.integer(value, path: fieldPath(name))
    }

    package mutating func bool(_ name: String) throws(MetadataError) -> Bool {
        try Self.bool(required(name), path: fieldPath(name))
    }

    package mutating func optionalBool(_ name: String) throws(MetadataError) -> Bool? {
        guard let value = take(name) else { return nil }
        return try Self.bool(value, path: fieldPath(name))
    }

    package mutating func stringArray(_ name: String) throws(MetadataError) -> [String] {
        try Self.stringArray(required(name), path: fieldPath(name))
    }

    package mutating func optionalStringArray(_ name: String) throws(MetadataError) -> [String]? {
        guard let value = take(name) else { return nil }
        return try Self.stringArray(value, path: fieldPath(name))
    }

    /// A JSON object whose members become a dictionary, each value read by `read`. Names that
    /// Swift would merge (canonically equivalent but byte-different) are refused.
    package mutating func dictionary<Value>(
        _ name: String,
        _ read: (JSONValue, String) throws(MetadataError) -> Value
    ) throws(MetadataError) -> [String: Value] {
        try Self.dictionary(required(name), path: fieldPath(name), read)
    }

    package mutating func optionalDictionary<Value>(
        _ name: String,
        _ read: (JSONValue, String) throws(MetadataError) -> Value
    ) throws(MetadataError) -> [String: Value]? {
        guard let value = take(name) else { return nil }
        return try Self.dictionary(value, path: fieldPath(name), read)
    }

    package static func string(_ value: JSONValue, path: String) throws(MetadataError) -> String {
        guard case .string(let string) = value else {
            throw .wrongType(path: path, expected: "a string", found: value.typeName)
        }
        return string
    }

    package static func integer(_ value: JSONValue, path: String) throws(MetadataError) -> Int {
        guard case .integer(let number) = value else {
            throw .wrongType(path: path, expected: "an integer", found: value.typeName)
        }
        return Int(number)
    }

    package static func bool(_ value: JSONValue, path: String) throws(MetadataError) -> Bool {
        guard case .bool(let flag) = value else {
            throw .wrongType(path: path, expected: "a boolean", found: value.typeName)
        }
        return flag
    }

    package static func stringArray(_ value: JSONValue, path: String) throws(MetadataError) -> [String] {
        guard case .array(let elements) = value else {
            throw .wrongType(path: path, expected: "an array", found: value.typeName)
        }
        var strings: [String] = []
        strings.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            strings.append(try string(element, path: "\(path)[\(index)]"))
        }
        return strings
    }

    package static func dictionary<Value>(
        _ value: JSONValue,
        path: String,
        _ read: (JSONValue, String) throws(MetadataError) -> Value
    ) throws(MetadataError) -> [String: Value] {
        guard case .object(let object) = value else {
            throw .wrongType(path: path, expected: "an object", found: value.typeName)
        }
        var result: [String: Value] = [:]
        result.reserveCapacity(object.count)
        for (name, member) in object.members {
            let memberPath = "\(path)[\"\(name)\"]"
            if result[name] != nil {
                throw .invalidValue(path: memberPath, reason: "name is Unicode-equivalent to another name in the same object")
            }
            result[name] = try read(member, memberPath)
        }
        return result
    }
}

extension JSONObject {
    /// Adds the members of `other` that this object does not have; used to write unrecognized
    /// fields back beside the known ones.
    package mutating func merge(unrecognized other: JSONObject) {
        for (name, value) in other.members where self[name] == nil {
            self[name] = value
        }
    }

    /// An object whose members are the dictionary's, each value written by `write`.
    public init<Value>(_ dictionary: [String: Value], _ write: (Value) -> JSONValue) {
        self.init(uncheckedMembers: dictionary.map { ($0.key, write($0.value)) })
    }
}

/// Refuses a list of key ids that names one twice.
func requireUnique(_ keyIDs: [String], path: String) throws(MetadataError) {
    if Set(keyIDs.map(UTF8Name.init)).count != keyIDs.count {
        throw .invalidValue(path: path, reason: "key ids are not unique")
    }
}
