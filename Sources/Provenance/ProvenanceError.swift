/// Why provenance was not accepted: each check that failed, named.
public struct ProvenanceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The failed checks' reasons.
    public var mismatches: [String]

    /// A refusal for `mismatches`.
    public init(_ mismatches: [String]) {
        self.mismatches = mismatches
    }

    /// The reasons on one line.
    public var description: String { "provenance: " + mismatches.joined(separator: "; ") }
}
