import TUF

/// What a Rekor v1 log signs in a signed entry timestamp (SET): the RFC 8785 form of
/// `{"body": base64(body), "integratedTime": …, "logID": hex(log id), "logIndex": …}`.
///
/// Written directly rather than through a JSON tree and ``RFC8785``: base64 and lower-case hex
/// never need escaping, and the four names are already in RFC 8785's order, so every bundle is
/// spared a tree, a sort and an escaping pass over its largest string.
package enum SignedEntryTimestamp {
    /// The signed bytes, or nil when a number has no exact RFC 8785 form (beyond ±2^53).
    /// `bodyBase64`, when given, must be the standard padded base64 of `body` (a bundle's own
    /// text of it); the body is then not encoded again.
    package static func payload(body: [UInt8], bodyBase64: String? = nil, integratedTime: Int64, logID: [UInt8], logIndex: Int64)
        -> [UInt8]?
    {
        let limit = RFC8785.maximumExactInteger
        guard (-limit...limit).contains(integratedTime), (-limit...limit).contains(logIndex) else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity((body.count + 2) / 3 * 4 + 2 * logID.count + 96)
        output += #"{"body":""#.utf8
        if let bodyBase64 { output += bodyBase64.utf8 } else { output += Base64.encode(body) }
        output += #"","integratedTime":"#.utf8
        output += String(integratedTime).utf8
        output += #","logID":""#.utf8
        output += Hex.encode(logID).utf8
        output += #"","logIndex":"#.utf8
        output += String(logIndex).utf8
        output.append(UInt8(ascii: "}"))
        return output
    }
}
