/// Limits and pins of an ``Updater``. Defaults are python-tuf's.
public struct UpdaterConfiguration: Sendable, Equatable {
    /// How many root versions one update may walk through.
    public var maximumRootRotations = 256
    /// How many targets roles one target search may visit.
    public var maximumDelegations = 32
    /// Size cap for a root file, in bytes.
    public var rootMaximumBytes = 512_000
    /// Size cap for the timestamp file.
    public var timestampMaximumBytes = 16_384
    /// Size cap for the snapshot file when the timestamp gives no length.
    public var snapshotMaximumBytes = 2_000_000
    /// Size cap for a targets file when the snapshot gives no length.
    public var targetsMaximumBytes = 5_000_000
    /// Whether target files are fetched as `HASH.NAME` when the repository uses consistent snapshots.
    public var prefixTargetsWithHash = true
    /// Refuse to finish an update with a root older than this version.
    public var minimumRootVersion: Int?
    /// Walk the root chain to exactly this version and no further.
    public var pinnedRootVersion: Int?

    /// The default configuration.
    public init() {}
}
