/// A string that hashes and compares by its UTF-8 bytes rather than by Unicode canonical
/// equivalence, for sets and dictionaries of names that must stay distinct.
struct UTF8Name: Hashable, Sendable {
    let string: String

    init(_ string: String) {
        self.string = string
    }

    static func == (lhs: UTF8Name, rhs: UTF8Name) -> Bool {
        lhs.string.utf8.elementsEqual(rhs.string.utf8)
    }

    func hash(into hasher: inout Hasher) {
        for byte in string.utf8 { hasher.combine(byte) }
    }
}
