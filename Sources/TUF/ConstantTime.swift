/// Comparisons whose time does not depend on where two byte strings first differ, for checking
/// digests against pinned or signed values.
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes. Lengths are public, so a length mismatch returns
    /// at once; equal-length inputs are compared in full.
    public static func isEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
