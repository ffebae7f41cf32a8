import Ceremony
import Crypto
import Foundation
import TUF

/// A repository laid out like Sigstore's, built and published by the benchmark itself, so the
/// refresh a Sigstore client makes can be measured anywhere, without a copy of sigstore/root-signing
/// and without faking the clock.
///
/// As in Sigstore's: consistent snapshots; root and targets signed by 3 of 5 ECDSA P-256 holder
/// keys named with tuf-on-ci's custom fields; one online key for timestamp and snapshot; ten root
/// rotations, each replacing one holder and signed by the outgoing root's holders and the
/// incoming one's; one terminating delegation named after npm's registry host, signed 1 of 1;
/// and the two files a Sigstore client fetches, `trusted_root.json` and
/// `signing_config.v0.2.json`, listed by the top-level targets. Published through the
/// ceremony's ``RepositoryPublisher``, which first proves a client accepts it.
enum SigstoreLikeRepository {
    /// How many root versions follow the first.
    static let rotations = 10
    /// The delegated role, and the prefix of the paths it is trusted for.
    static let delegatedRole = "registry.npmjs.org"

    /// Publishes the repository into `folder` (`metadata/`, `targets/`).
    static func publish(at folder: URL, trustedRoot: [UInt8]) throws {
        let now = Date()
        let year = now.addingTimeInterval(365 * 86_400)
        let online = try InMemorySigner(generating: .ecdsaP256)
        let npm = try InMemorySigner(generating: .ecdsaP256)
        var holders = try (0..<5).map { _ in try InMemorySigner(generating: .ecdsaP256) }
        var owners = (0..<5).map { "@holder\($0)" }

        var roots: [Metadata<Root>] = []
        var outgoing: [InMemorySigner] = []
        for version in 1...(rotations + 1) {
            if version > 1 {
                outgoing = holders
                holders[version % 5] = try InMemorySigner(generating: .ecdsaP256)
                owners[version % 5] = "@holder\(4 + version)"
            }
            var root = Metadata(signed: root(version: version, holders: holders, owners: owners, online: online, expires: year))
            for signer in Set(outgoing.map(\.publicKey.keyID)).union(holders.map(\.publicKey.keyID)).sorted() {
                let key = (outgoing + holders).first { $0.publicKey.keyID == signer }!
                _ = try root.sign(with: key)
            }
            roots.append(root)
        }

        let signingConfig = Array(signingConfigJSON.utf8)
        let keysJSON = Array(#"{"keys":[]}"#.utf8)
        var delegated = Metadata(
            signed: Targets(expires: year, targets: ["\(delegatedRole)/keys.json": describe(keysJSON)])
        )
        _ = try delegated.sign(with: npm)
        let delegations = Delegations(
            keys: [npm.publicKey.keyID: npm.publicKey],
            roles: .list([
                DelegatedRole(
                    name: delegatedRole,
                    keyIDs: [npm.publicKey.keyID],
                    threshold: 1,
                    terminating: true,
                    scope: .paths(["\(delegatedRole)/*"])
                )
            ])
        )
        var targets = Metadata(
            signed: Targets(
                expires: year,
                targets: ["trusted_root.json": describe(trustedRoot), "signing_config.v0.2.json": describe(signingConfig)],
                delegations: delegations
            )
        )
        for holder in holders.prefix(3) { _ = try targets.sign(with: holder) }

        try RepositoryPublisher(directory: folder).publish(
            roots: roots,
            targets: targets,
            delegated: [delegatedRole: delegated],
            targetFiles: [
                "trusted_root.json": trustedRoot, "signing_config.v0.2.json": signingConfig, "\(delegatedRole)/keys.json": keysJSON,
            ],
            online: online,
            snapshotExpires: year,
            timestampExpires: now.addingTimeInterval(7 * 86_400),
            now: now
        )
    }

    /// Root `version`: the holders for root and targets (3 of 5), the online key for timestamp
    /// and snapshot, with tuf-on-ci's fields.
    private static func root(
        version: Int,
        holders: [InMemorySigner],
        owners: [String],
        online: InMemorySigner,
        expires: Date
    ) -> Root {
        var keys: [String: Key] = [:]
        for (holder, owner) in zip(holders, owners) {
            var key = holder.publicKey
            key.unrecognizedFields[Key.ownerField] = .string(owner)
            keys[holder.publicKey.keyID] = key
        }
        var onlineKey = online.publicKey
        onlineKey.unrecognizedFields["x-tuf-on-ci-online-uri"] = .string("gcpkms:projects/example/cryptoKeys/timestamp")
        keys[online.publicKey.keyID] = onlineKey
        let holderRole = Role(keyIDs: holders.map(\.publicKey.keyID), threshold: 3)
        let onlineRole = Role(keyIDs: [online.publicKey.keyID], threshold: 1)
        var root = Root(
            version: version,
            expires: expires,
            keys: keys,
            roles: ["root": holderRole, "targets": holderRole, "timestamp": onlineRole, "snapshot": onlineRole]
        )
        root.unrecognizedFields["x-tuf-on-ci-expiry-period"] = .integer(197)
        root.unrecognizedFields["x-tuf-on-ci-signing-period"] = .integer(46)
        return root
    }

    /// The length and SHA-256 and SHA-512 hashes of `bytes`, as Sigstore's targets list them.
    private static func describe(_ bytes: [UInt8]) -> TargetFile {
        TargetFile(
            length: bytes.count,
            hashes: ["sha256": Hex.encode(SHA256.hash(data: bytes)), "sha512": Hex.encode(SHA512.hash(data: bytes))]
        )
    }

    /// A signing configuration of the size Sigstore publishes, naming services nobody contacts.
    private static let signingConfigJSON = """
        {
          "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
          "caUrls": [{"url": "https://fulcio.example.invalid", "majorApiVersion": 1, "validFor": {"start": "2025-01-01T00:00:00Z"}, "operator": "example"}],
          "oidcUrls": [{"url": "https://oauth2.example.invalid/auth", "majorApiVersion": 1, "validFor": {"start": "2025-01-01T00:00:00Z"}, "operator": "example"}],
          "rekorTlogUrls": [{"url": "https://rekor.example.invalid", "majorApiVersion": 1, "validFor": {"start": "2025-01-01T00:00:00Z"}, "operator": "example"}],
          "tsaUrls": [{"url": "https://timestamp.example.invalid/api/v1/timestamp", "majorApiVersion": 1, "validFor": {"start": "2025-01-01T00:00:00Z"}, "operator": "example"}],
          "rekorTlogConfig": {"selector": "ANY"},
          "tsaConfig": {"selector": "ANY"}
        }
        """
}
