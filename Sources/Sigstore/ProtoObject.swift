import Foundation
import TUF

/// Reads a message in protobuf's JSON mapping (what Sigstore's bundles and trusted roots are),
/// naming the path of whatever is missing or malformed. Fields are found by their JSON name
/// (`tlogEntries`) or, as the mapping allows, their original name (`tlog_entries`); unknown
/// fields are ignored.
package struct ProtoObject {
    package let object: JSONObject
    /// Where the object is, kept as parts: a bundle reads dozens of objects and names the
    /// path of one only when it fails, so the path is spelled out only then.
    private let location: Location
    /// The check a malformed field fails.
    package let check: VerificationError.Check
    /// Whether a field may also be given under its original snake_case name, as protobuf's JSON
    /// mapping allows; formats defined as plain JSON (in-toto statements) take only their names.
    package let acceptsOriginalNames: Bool

    /// Where an object is: a named document, or a field or array element of another object.
    private indirect enum Location {
        case document(String)
        case field(Location, String)
        case element(Location, String, Int)

        var path: String {
            switch self {
            case .document(let name): return name
            case .field(let parent, let name): return "\(parent.path).\(name)"
            case .element(let parent, let name, let index): return "\(parent.path).\(name)[\(index)]"
            }
        }
    }

    /// The object's path from its document, such as `bundle.verificationMaterial.tlogEntries[0]`.
    package var path: String { location.path }

    package init(_ value: JSONValue, path: String, check: VerificationError.Check, acceptsOriginalNames: Bool = true)
        throws(VerificationError)
    {
        try self.init(value, location: .document(path), check: check, acceptsOriginalNames: acceptsOriginalNames)
    }

    private init(_ value: JSONValue, location: Location, check: VerificationError.Check, acceptsOriginalNames: Bool)
        throws(VerificationError)
    {
        guard case .object(let object) = value else { throw VerificationError(check, "\(location.path) must be an object") }
        self.object = object
        self.location = location
        self.check = check
        self.acceptsOriginalNames = acceptsOriginalNames
    }

    /// Parses `bytes` as one JSON object.
    package init(
        parsing bytes: [UInt8],
        what: String,
        check: VerificationError.Check,
        acceptsOriginalNames: Bool = true
    ) throws(VerificationError) {
        let value: JSONValue
        do {
            value = try JSONParser(options: .init(maximumDepth: 64, maximumBytes: 16 << 20)).parse(bytes)
        } catch {
            throw VerificationError(check, "\(what) is not valid JSON: \(error)")
        }
        try self.init(value, path: what, check: check, acceptsOriginalNames: acceptsOriginalNames)
    }

    package func fieldPath(_ name: String) -> String { Location.field(location, name).path }

    package func failure(_ name: String, _ reason: String) -> VerificationError { VerificationError(check, "\(fieldPath(name)) \(reason)") }

    /// The field's value under its JSON name or its original snake_case name.
    ///
    /// - Throws: when both names are given: readers disagree on which one wins, so a message
    ///   could mean one thing to this verifier and another to the next.
    package func value(_ name: String) throws(VerificationError) -> JSONValue? {
        // One pass over the members, and no snake_case string built: field names are ASCII
        // identifiers, so the snake_case form is a byte-wise rewrite compared on the fly.
        var jsonValue: JSONValue?
        var snakeValue: JSONValue?
        let count = name.utf8.count
        for member in object.members where member.value != .null {
            let memberCount = member.name.utf8.count
            if memberCount == count, UTF8Name.sameBytes(member.name, name) {
                jsonValue = member.value
            } else if acceptsOriginalNames, memberCount > count, Self.isSnakeCase(member.name, of: name) {
                snakeValue = member.value
            }
        }
        if jsonValue != nil, snakeValue != nil { throw failure(name, "is given both under its JSON name and its snake_case name") }
        return jsonValue ?? snakeValue
    }

    /// Whether `candidate` is `name` with each capital letter written as `_` and its lower case.
    static func isSnakeCase(_ candidate: String, of name: String) -> Bool {
        var candidateBytes = candidate.utf8.makeIterator()
        for byte in name.utf8 {
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
                guard candidateBytes.next() == UInt8(ascii: "_"), candidateBytes.next() == byte + 32 else { return false }
            } else {
                guard candidateBytes.next() == byte else { return false }
            }
        }
        return candidateBytes.next() == nil
    }

    package func object(_ name: String) throws(VerificationError) -> ProtoObject {
        guard let value = try value(name) else { throw failure(name, "is missing") }
        return try ProtoObject(value, location: .field(location, name), check: check, acceptsOriginalNames: acceptsOriginalNames)
    }

    package func optionalObject(_ name: String) throws(VerificationError) -> ProtoObject? {
        guard let value = try value(name) else { return nil }
        return try ProtoObject(value, location: .field(location, name), check: check, acceptsOriginalNames: acceptsOriginalNames)
    }

    package func string(_ name: String) throws(VerificationError) -> String {
        guard let value = try value(name) else { throw failure(name, "is missing") }
        guard case .string(let string) = value else { throw failure(name, "must be a string") }
        return string
    }

    package func optionalString(_ name: String) throws(VerificationError) -> String? {
        guard try value(name) != nil else { return nil }
        return try string(name)
    }

    /// A `bytes` field: standard or URL-safe base64, padding optional.
    package func bytes(_ name: String) throws(VerificationError) -> [UInt8] {
        try bytesWithText(name).bytes
    }

    /// A `bytes` field, the text it was read from, and whether that text is the standard,
    /// padded base64 of the bytes.
    package func bytesWithText(_ name: String) throws(VerificationError) -> (bytes: [UInt8], text: String, isStandard: Bool) {
        let text = try string(name)
        guard let (bytes, isStandard) = Base64.decodeNotingForm(text) else { throw failure(name, "is not base64") }
        return (bytes, text, isStandard)
    }

    package func optionalBytes(_ name: String) throws(VerificationError) -> [UInt8]? {
        guard try value(name) != nil else { return nil }
        return try bytes(name)
    }

    /// An `int64` field: the mapping writes it as a string, and reads a number too.
    package func int64(_ name: String) throws(VerificationError) -> Int64 {
        guard let value = try value(name) else { throw failure(name, "is missing") }
        switch value {
        case .integer(let number): return number
        case .string(let text):
            guard let number = Int64(text) else { throw failure(name, "is not an integer") }
            return number
        default: throw failure(name, "is not an integer")
        }
    }

    package func optionalInt64(_ name: String) throws(VerificationError) -> Int64? {
        guard try value(name) != nil else { return nil }
        return try int64(name)
    }

    package func array(_ name: String) throws(VerificationError) -> [JSONValue] {
        guard let value = try value(name) else { return [] }
        guard case .array(let array) = value else { throw failure(name, "must be an array") }
        return array
    }

    package func objects(_ name: String) throws(VerificationError) -> [ProtoObject] {
        var result: [ProtoObject] = []
        for (index, element) in try array(name).enumerated() {
            result.append(
                try ProtoObject(
                    element,
                    location: .element(location, name, index),
                    check: check,
                    acceptsOriginalNames: acceptsOriginalNames
                )
            )
        }
        return result
    }

    package func optionalTimestamp(_ name: String) throws(VerificationError) -> Date? {
        guard try value(name) != nil else { return nil }
        guard let date = ProtoTimestamp.parse(try string(name)) else { throw failure(name, "is not an RFC 3339 timestamp") }
        return date
    }

    package static func base64(_ text: String) -> [UInt8]? { Base64.decode(text) }
}
