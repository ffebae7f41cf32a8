/// The trust a verifier starts from (sigstore-go's `TrustedMaterial`): one trusted root, a set
/// of them (the public-good instance beside a private deployment), or a root kept current
/// through TUF.
///
/// Each root is used on its own: a verification takes the root whose certificate authority
/// issued the signing certificate and checks every log entry, timestamp and SCT against that
/// root alone, never against the union of all roots' logs and authorities.
public protocol TrustedMaterial: Sendable {
    /// The trusted roots, in the order they are tried.
    var trustedRoots: [TrustedRoot] { get }
}

extension TrustedRoot: TrustedMaterial {
    /// This root alone.
    public var trustedRoots: [TrustedRoot] { [self] }
}

/// Several trusted roots, each used on its own.
public struct TrustedRootSet: TrustedMaterial {
    /// The roots, in the order they are tried.
    public var trustedRoots: [TrustedRoot]

    /// A set of `roots`, tried in this order.
    public init(_ roots: [TrustedRoot]) {
        trustedRoots = roots
    }
}
