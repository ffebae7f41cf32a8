import Crypto
import Foundation
import TUF

extension MetadataCache {
    /// Makes `rootBytes` the cache's trusted root, replacing any metadata already there.
    ///
    /// The root must be valid root metadata signed by a threshold of its own keys; it may have
    /// expired (an update walks forward from it). With `pinnedSHA256` (hex), its SHA-256 must
    /// match, compared in constant time.
    public func bootstrap(rootBytes: [UInt8], pinnedSHA256: String? = nil) throws(UpdateError) {
        if let pinnedSHA256 {
            let actual = Array(SHA256.hash(data: rootBytes))
            guard let expected = Hex.decode(pinnedSHA256), ConstantTime.isEqual(expected, actual) else {
                throw .pinnedDigestMismatch(file: "root")
            }
        }
        _ = try TrustedMetadataSet(rootBytes: rootBytes, referenceTime: Date())
        for role in storedRoles() where role != "root" { try remove(role) }
        try write("root", rootBytes)
    }

    /// The roles that have a file in the cache.
    public func storedRoles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .map { String($0.dropLast(".json".count)).removingPercentEncoding ?? $0 }
            .sorted()
    }
}
