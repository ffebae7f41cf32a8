/// Where C2SP tlog-tiles keeps a tile or an entry bundle under a log's prefix.
///
/// An index is written as three-digit groups, every group but the last prefixed with `x`
/// (`1234067` is `x001/x234/067`); a partial tile of width `W` adds `.p/W`.
public enum TilePath {
    /// The hashes a full tile holds, and the entries a full bundle holds.
    public static let width = 256

    /// The path of the hash tile at `level`, `index`, `width` hashes wide.
    public static func tile(level: Int, index: Int64, width: Int) -> String {
        "tile/\(level)/\(encode(index))\(suffix(width))"
    }

    /// The path of the entry bundle `index`, `width` entries wide.
    public static func entries(index: Int64, width: Int) -> String {
        "tile/entries/\(encode(index))\(suffix(width))"
    }

    /// The path of the static-ct-api data tile `index`, `width` entries wide.
    public static func dataTile(index: Int64, width: Int) -> String {
        "tile/data/\(encode(index))\(suffix(width))"
    }

    /// `index` as three-digit groups.
    public static func encode(_ index: Int64) -> String {
        precondition(index >= 0, "tile indexes are not negative")
        var digits = String(index)
        let padding = (3 - digits.count % 3) % 3
        digits = String(repeating: "0", count: padding) + digits
        var groups: [Substring] = []
        var rest = Substring(digits)
        while !rest.isEmpty {
            groups.append(rest.prefix(3))
            rest = rest.dropFirst(3)
        }
        return groups.enumerated().map { $0.offset < groups.count - 1 ? "x\($0.element)" : String($0.element) }
            .joined(separator: "/")
    }

    static func suffix(_ width: Int) -> String {
        precondition(width > 0 && width <= Self.width, "a tile holds 1 to 256 hashes")
        return width == Self.width ? "" : ".p/\(width)"
    }
}
