/// The members of a JSON object, in the order they were parsed or added.
///
/// Member names are compared by their UTF-8 bytes. Swift's `String` equality treats canonically
/// equivalent strings as equal (`"K"` and the Kelvin sign U+212A, for example), which would let
/// a crafted document alias a member TUF reads; byte comparison keeps them apart. Equality of
/// two objects ignores member order, as JSON does.
public struct JSONObject: Sendable {
    /// The members in order. Names are unique by UTF-8 bytes.
    public private(set) var members: [(name: String, value: JSONValue)]

    /// An empty object.
    public init() {
        members = []
    }

    /// An object with these members, which must have distinct names.
    ///
    /// - Throws: ``JSONObjectError/duplicateName(_:)`` when two names have the same UTF-8 bytes.
    public init(members: [(name: String, value: JSONValue)]) throws(JSONObjectError) {
        self.init()
        for (name, value) in members {
            if index(of: name) != nil { throw .duplicateName(name) }
            self.members.append((name, value))
        }
    }

    /// Appends a member without checking for a duplicate; the parser checks before it calls this.
    init(uncheckedMembers: [(name: String, value: JSONValue)]) {
        members = uncheckedMembers
    }

    /// The number of members.
    public var count: Int { members.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    /// The member names, in order.
    public var names: [String] { members.map(\.name) }

    /// The value of the member whose name has exactly these UTF-8 bytes; setting `nil` removes it.
    public subscript(name: String) -> JSONValue? {
        get {
            guard let position = index(of: name) else { return nil }
            return members[position].value
        }
        set {
            let position = index(of: name)
            switch (position, newValue) {
            case (let position?, let value?): members[position].value = value
            case (let position?, nil): members.remove(at: position)
            case (nil, let value?): members.append((name, value))
            case (nil, nil): break
            }
        }
    }

    /// Removes the member with this name and returns its value.
    @discardableResult
    public mutating func removeValue(forName name: String) -> JSONValue? {
        guard let position = index(of: name) else { return nil }
        return members.remove(at: position).value
    }

    /// The members sorted by the UTF-8 bytes of their names, as canonical JSON writes them.
    public var membersSortedByUTF8: [(name: String, value: JSONValue)] {
        members.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    private func index(of name: String) -> Int? {
        // UTF8Name.sameBytes compares byte counts before bytes.
        members.firstIndex { UTF8Name.sameBytes($0.name, name) }
    }
}

/// An error building a ``JSONObject``.
public enum JSONObjectError: Error, Equatable, Sendable {
    /// Two members have the same name.
    case duplicateName(String)
}

extension JSONObject: Equatable {
    /// Equality as this type defines it: strings and names compare by their UTF-8 bytes.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (name, value) in lhs.members {
            guard let other = rhs[name], other == value else { return false }
        }
        return true
    }
}

extension JSONObject: Hashable {
    /// Hashes consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        // Order-independent, to agree with `==`.
        var combined = 0
        for (name, value) in members {
            var memberHasher = Hasher()
            for byte in name.utf8 { memberHasher.combine(byte) }
            memberHasher.combine(value)
            combined ^= memberHasher.finalize()
        }
        hasher.combine(count)
        hasher.combine(combined)
    }
}
