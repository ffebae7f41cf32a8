/// A role that signs metadata: a set of key ids and how many of them must sign.
public protocol Delegate: Sendable {
    /// The ids of the keys trusted for this role, unique.
    var keyIDs: [String] { get }
    /// How many distinct keys must sign, 1 or more.
    var threshold: Int { get }
}

/// Reads `keyids` and `threshold`, checking that the ids are unique and the threshold positive.
func readKeyIDsAndThreshold(_ reader: inout FieldReader) throws(MetadataError) -> ([String], Int) {
    let keyIDs = try reader.stringArray("keyids")
    try requireUnique(keyIDs, path: reader.fieldPath("keyids"))
    let threshold = try reader.integer("threshold")
    guard threshold >= 1 else {
        throw .invalidValue(path: reader.fieldPath("threshold"), reason: "must be 1 or more, is \(threshold)")
    }
    return (keyIDs, threshold)
}

func writeKeyIDsAndThreshold(_ delegate: some Delegate, to object: inout JSONObject) {
    object["keyids"] = .array(delegate.keyIDs.map { .string($0) })
    object["threshold"] = .integer(Int64(delegate.threshold))
}
