/// Metadata that names the keys and thresholds of other roles: root for the top-level roles,
/// targets for the roles it delegates to.
public protocol Delegator: Sendable {
    /// Checks `metadata` for `roleName` against the keys and threshold this metadata gives it,
    /// reporting what was found for each key.
    ///
    /// - Throws: ``MetadataError/invalidValue(path:reason:)`` when this metadata gives no keys to `roleName`.
    func verifyDelegate<Signed: RoleMetadata>(_ roleName: String, metadata: Metadata<Signed>) throws(MetadataError)
        -> ThresholdVerification

    /// Whether `metadata` for `roleName` meets its threshold, checking no signature once it does.
    ///
    /// - Throws: ``MetadataError/invalidValue(path:reason:)`` when this metadata gives no keys to `roleName`.
    func meetsThreshold<Signed: RoleMetadata>(_ roleName: String, metadata: Metadata<Signed>) throws(MetadataError) -> Bool
}

extension Root: Delegator {}
extension Targets: Delegator {}
