import ArgumentParser

/// The options that say where `verify` and `sign` take the trusted root from
/// (``TrustedRootSource``).
struct TrustedRootOptions: ParsableArguments {
    @Option(
        help:
            "The trusted root to use, or a client trust config (trusted root and signing config in one file). verify takes several, and verifies each bundle against the one whose certificate authority issued its certificate."
    )
    var trustedRoot: [String] = []

    @Flag(help: "Without a trusted root or client: use the shipped staging trusted root.")
    var staging = false

    @Option(help: "The client folder whose refreshed trusted_root.json to use (default $TRUSTROOT_CACHE, else ~/.cache/trustroot).")
    var cache: String?

    @Flag(help: "Use the client's trusted root even when its trusted metadata has expired (warns with its age).")
    var allowExpiredTrustedRoot = false

    /// What the options name.
    var source: TrustedRootSource {
        TrustedRootSource(files: trustedRoot, staging: staging, cache: cache, allowExpired: allowExpiredTrustedRoot)
    }
}
