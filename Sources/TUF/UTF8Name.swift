#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A string that hashes and compares by its UTF-8 bytes rather than by Unicode canonical
/// equivalence, for sets and dictionaries of names that must stay distinct.
package struct UTF8Name: Hashable, Sendable {
    let string: String

    init(_ string: String) {
        self.string = string
    }

    package static func == (lhs: UTF8Name, rhs: UTF8Name) -> Bool {
        sameBytes(lhs.string, rhs.string)
    }

    package func hash(into hasher: inout Hasher) {
        if string.utf8.withContiguousStorageIfAvailable({ hasher.combine(bytes: UnsafeRawBufferPointer($0)) }) == nil {
            for byte in string.utf8 { hasher.combine(byte) }
        }
    }

    /// Whether `lhs` and `rhs` have the same UTF-8 bytes: one `memcmp` for strings stored as
    /// UTF-8 (nearly all), a byte-by-byte walk otherwise (bridged or lazily decoded strings).
    package static func sameBytes(_ lhs: String, _ rhs: String) -> Bool {
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        let compared = lhs.utf8.withContiguousStorageIfAvailable { left in
            rhs.utf8.withContiguousStorageIfAvailable { right in
                left.count == 0 || memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0
            }
        }
        if let compared, let compared { return compared }
        return lhs.utf8.elementsEqual(rhs.utf8)
    }
}
