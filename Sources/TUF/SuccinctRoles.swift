import Crypto

/// Hash-bin delegation in one entry (TAP 15): `2^bitLength` roles named `PREFIX-xx…`, each
/// trusted for the targets whose path hash starts with its bin number.
public struct SuccinctRoles: Delegate, Hashable {
    /// The ids of the keys trusted for this role, unique.
    public var keyIDs: [String]
    /// How many distinct keys must sign, 1 or more.
    public var threshold: Int
    /// How many leading bits of the SHA-256 of a target path select its bin, 1 to 32.
    public var bitLength: Int
    /// The prefix of every bin role's name.
    public var namePrefix: String
    /// Fields other than those above.
    public var unrecognizedFields: JSONObject

    /// Succinct hash-bin roles.
    public init(
        keyIDs: [String],
        threshold: Int,
        bitLength: Int,
        namePrefix: String,
        unrecognizedFields: JSONObject = JSONObject()
    ) {
        self.keyIDs = keyIDs
        self.threshold = threshold
        self.bitLength = bitLength
        self.namePrefix = namePrefix
        self.unrecognizedFields = unrecognizedFields
    }

    /// Reads a `succinct_roles` object.
    public init(json: JSONValue, path: String) throws(MetadataError) {
        var reader = try FieldReader(json, path: path)
        (keyIDs, threshold) = try readKeyIDsAndThreshold(&reader)
        bitLength = try reader.integer("bit_length")
        guard (1...32).contains(bitLength) else {
            throw .invalidValue(path: reader.fieldPath("bit_length"), reason: "must be between 1 and 32, is \(bitLength)")
        }
        namePrefix = try reader.string("name_prefix")
        unrecognizedFields = reader.remaining
    }

    /// The `succinct_roles` object as JSON.
    public var json: JSONValue {
        var object = JSONObject()
        writeKeyIDsAndThreshold(self, to: &object)
        object["bit_length"] = .integer(Int64(bitLength))
        object["name_prefix"] = .string(namePrefix)
        object.merge(unrecognized: unrecognizedFields)
        return .object(object)
    }

    /// The number of bins.
    public var numberOfBins: Int { 1 << bitLength }

    /// The number of hex digits in a bin role's suffix.
    public var suffixLength: Int { (bitLength + 3) / 4 }

    /// The name of the bin role for bin `number`.
    public func roleName(bin number: Int) -> String {
        let digits = String(number, radix: 16)
        return "\(namePrefix)-\(String(repeating: "0", count: max(0, suffixLength - digits.count)))\(digits)"
    }

    /// The name of the bin role trusted for `targetPath`.
    public func roleName(forTarget targetPath: String) -> String {
        let digest = Array(SHA256.hash(data: Array(targetPath.utf8)))
        let leading = UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
        return roleName(bin: Int(UInt64(leading) >> UInt64(32 - bitLength)))
    }

    /// Whether `name` is one of the bin roles: the prefix, a dash, and a bin number in exactly
    /// `suffixLength` lower-case hex digits.
    public func isDelegatedRole(_ name: String) -> Bool {
        let prefix = Array((namePrefix + "-").utf8)
        let bytes = Array(name.utf8)
        guard bytes.count == prefix.count + suffixLength, bytes.starts(with: prefix) else { return false }
        let suffix = bytes[prefix.count...]
        guard suffix.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
            let number = Int(String(decoding: suffix, as: UTF8.self), radix: 16)
        else { return false }
        return number < numberOfBins
    }
}
