/// Something the monitor raises: a watched identity in a certificate the trusted root's CA
/// issued, or a log that is not the append-only log it was before.
public struct Finding: Sendable, Equatable {
    /// What was found.
    public enum Kind: String, Sendable {
        /// A certificate or key the policy watches for.
        case identity
        /// A fork or rollback: the log's checkpoint does not extend the one kept in the state.
        case inconsistency
    }

    /// What was found.
    public var kind: Kind
    /// The log's URL prefix.
    public var log: String
    /// The entry's index (identity findings).
    public var logIndex: Int64?
    /// The matched identity (identity findings).
    public var identity: String
    /// The certificate's OIDC issuer (identity findings).
    public var issuer: String
    /// The certificate's serial number, hex (identity findings).
    public var serial: String
    /// When the log says it took the entry, for logs that record it (Rekor v1).
    public var integratedTime: Int64?
    /// For an inconsistency: both checkpoints and the proof that failed.
    public var detail: String

    /// An identity finding.
    public static func identity(log: String, index: Int64, identity: String, issuer: String, serial: String, integratedTime: Int64?)
        -> Finding
    {
        Finding(
            kind: .identity,
            log: log,
            logIndex: index,
            identity: identity,
            issuer: issuer,
            serial: serial,
            integratedTime: integratedTime,
            detail: ""
        )
    }

    /// An inconsistency finding.
    public static func inconsistency(log: String, detail: String) -> Finding {
        Finding(kind: .inconsistency, log: log, logIndex: nil, identity: "", issuer: "", serial: "", integratedTime: nil, detail: detail)
    }
}
