import Foundation

extension Array where Element == UInt8 {
    /// Whether `other` holds the same bytes, compared with one `memcmp`: `==` on arrays walks
    /// them element by element, and a log entry's body is checked against a whole certificate.
    /// For public data only; secrets need a constant-time comparison.
    func sameBytes(as other: [UInt8]) -> Bool {
        guard count == other.count else { return false }
        return withUnsafeBytes { left in
            other.withUnsafeBytes { right in count == 0 || memcmp(left.baseAddress!, right.baseAddress!, count) == 0 }
        }
    }
}
