import Foundation
import GRDB
import Plumbing
import Sigstore
import TUF
import TransparencyLog
import X509

/// The monitor's state in an SQLite database inside its folder: per log, the last verified
/// checkpoint and how far the scan has got; the identity findings, and whether each was
/// reported; and an index of every scanned entry's identity, issuer, digest and fingerprint,
/// which answers `log search` for logs without a search API.
///
/// A batch of entries is recorded in one transaction with the scan position, so a run killed
/// at any point resumes where the last batch ended: no entry is skipped or indexed twice.
public final class MonitorState: Sendable {
    /// Where the monitor stands on one log.
    public struct LogRecord: Sendable, Equatable {
        /// The last verified checkpoint that the scan has reached.
        public var checkpoint: [UInt8]
        /// Its tree size.
        public var treeSize: Int64
        /// The index of the next entry to scan.
        public var scannedTo: Int64
    }

    /// One indexed entry.
    public struct IndexedEntry: Sendable, Equatable {
        /// The entry's index.
        public var logIndex: Int64
        /// The certificate's first SAN, when it has a certificate.
        public var identity: String?
        /// The certificate's OIDC issuer.
        public var issuer: String?
        /// The recorded digest, lowercase hex.
        public var digest: String?
        /// The SHA-256 fingerprint of the certificate or key, lowercase hex.
        public var fingerprint: String

        /// An indexed entry.
        public init(logIndex: Int64, identity: String?, issuer: String?, digest: String?, fingerprint: String) {
            self.logIndex = logIndex
            self.identity = identity
            self.issuer = issuer
            self.digest = digest
            self.fingerprint = fingerprint
        }

        /// What the index records about `entry`: one row per certificate or key it carries;
        /// none for an entry the monitor does not read.
        public static func rows(of entry: LoggedEntry) -> [IndexedEntry] {
            if let logged = CTEntryCertificate(entry) {
                return [
                    IndexedEntry(logIndex: entry.logIndex, fulcio: FulcioCertificate(logged.covered), der: logged.issuedDER, digest: nil)
                ]
            }
            guard let content = try? LogEntryContent(body: entry.body) else { return [] }
            let digest = content.digest.map { Hex.encode($0.value) }
            return content.signers.compactMap { signer in
                switch signer {
                case .certificate(let der):
                    guard let certificate = try? Certificate(derEncoded: der) else { return nil }
                    return IndexedEntry(logIndex: entry.logIndex, fulcio: FulcioCertificate(certificate), der: der, digest: digest)
                case .publicKey(let der):
                    return IndexedEntry(logIndex: entry.logIndex, fulcio: nil, der: der, digest: digest)
                }
            }
        }

        /// The row of the certificate `der`, read as `fulcio`, or of the key `der` when `fulcio`
        /// is nil.
        init(logIndex: Int64, fulcio: FulcioCertificate?, der: [UInt8], digest: String?) {
            self.init(
                logIndex: logIndex,
                identity: fulcio?.identities.first,
                issuer: fulcio?.issuer,
                digest: digest,
                fingerprint: MonitorPolicy.fingerprint(der)
            )
        }
    }

    /// The database file's name inside the state folder.
    public static let databaseName = "monitor.sqlite"

    let queue: DatabaseQueue
    /// The state folder's path.
    public let path: String

    /// Opens (creating when absent) the state in the folder at `path`.
    public init(folder path: String) throws(MonitorError) {
        do {
            _ = try ConfinedDirectory.create(path)
        } catch {
            throw MonitorError(.state, "\(error)")
        }
        let file = (path as NSString).appendingPathComponent(Self.databaseName)
        // SQLite opens the database and its write-ahead log and shared-memory files by name,
        // following links: none of them may be one.
        for name in [file, file + "-wal", file + "-shm"] {
            var status = stat()
            if lstat(name, &status) == 0, status.st_mode & S_IFMT != S_IFREG {
                throw MonitorError(.state, "\(name): not a regular file (a link or something else is there)")
            }
        }
        self.path = path
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            // With a write-ahead log, a committed batch survives the process being killed at any
            // point; after a power loss the last batches may be lost with their scan position,
            // and are scanned again.
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                // A bounded page cache, larger than SQLite's default, for the index's B-trees.
                try db.execute(sql: "PRAGMA cache_size = -16384")
            }
            queue = try DatabaseQueue(path: file, configuration: configuration)
            try Self.migrator.migrate(queue)
        } catch {
            throw MonitorError(.state, "\(file): \(error)")
        }
    }

    // The index is written in log order but looked up by identity, digest and fingerprint, so
    // its B-trees take keys in random order: they index small integers (a name's id, the first
    // eight bytes of a hash) to keep the pages a batch touches few, and the full values are
    // compared on the rows found.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE log (
                        url TEXT PRIMARY KEY NOT NULL, checkpoint BLOB NOT NULL,
                        tree_size INTEGER NOT NULL, scanned_to INTEGER NOT NULL);
                    CREATE TABLE finding (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, log_url TEXT NOT NULL, log_index INTEGER NOT NULL,
                        identity TEXT NOT NULL, issuer TEXT NOT NULL, serial TEXT NOT NULL, integrated_time INTEGER,
                        reported INTEGER NOT NULL DEFAULT 0, UNIQUE (log_url, log_index, identity));
                    CREATE TABLE name (id INTEGER PRIMARY KEY, text TEXT UNIQUE NOT NULL);
                    CREATE TABLE entry (
                        log INTEGER NOT NULL, log_index INTEGER NOT NULL, identity INTEGER, issuer INTEGER, digest BLOB,
                        fingerprint BLOB NOT NULL, digest_key INTEGER, fingerprint_key INTEGER NOT NULL);
                    CREATE INDEX entry_by_identity ON entry (identity);
                    CREATE INDEX entry_by_digest ON entry (digest_key);
                    CREATE INDEX entry_by_fingerprint ON entry (fingerprint_key);
                    CREATE TABLE tally (
                        log_url TEXT PRIMARY KEY NOT NULL, untrusted_matches INTEGER NOT NULL DEFAULT 0,
                        unread_entries INTEGER NOT NULL DEFAULT 0);
                    """
            )
        }
        return migrator
    }

    func run<T>(_ work: (Database) throws -> T) throws(MonitorError) -> T {
        do {
            return try queue.write(work)
        } catch {
            throw MonitorError(.state, "\(path)/\(Self.databaseName): \(error)")
        }
    }

    func read<T>(_ work: (Database) throws -> T) throws(MonitorError) -> T {
        do {
            return try queue.read(work)
        } catch {
            throw MonitorError(.state, "\(path)/\(Self.databaseName): \(error)")
        }
    }

    /// Where the monitor stands on `log`, or nil before its first run.
    public func record(for log: String) throws(MonitorError) -> LogRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT checkpoint, tree_size, scanned_to FROM log WHERE url = ?", arguments: [log]).map {
                LogRecord(checkpoint: [UInt8]($0["checkpoint"] as Data), treeSize: $0["tree_size"], scannedTo: $0["scanned_to"])
            }
        }
    }

    /// Records one scanned batch in one transaction: its index rows, its findings (unreported),
    /// the tallies, and the new scan position; with `checkpoint`, the batch ends that
    /// checkpoint's tree, which becomes the one later runs prove consistency from.
    public func recordBatch(
        log: String,
        scannedTo: Int64,
        checkpoint: (bytes: [UInt8], treeSize: Int64)?,
        entries: [IndexedEntry],
        findings: [Finding],
        untrustedMatches: Int,
        unreadEntries: Int
    ) throws(MonitorError) {
        try run { db in
            var names: [String: Int64] = [:]
            let logID = try Self.nameID(log, db, &names)
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO entry (log, log_index, identity, issuer, digest, fingerprint, digest_key, fingerprint_key)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """
            )
            for entry in entries {
                let digest = entry.digest.flatMap(Hex.decode)
                let fingerprint = Hex.decode(entry.fingerprint) ?? []
                try insert.execute(arguments: [
                    logID, entry.logIndex, try entry.identity.map { try Self.nameID($0, db, &names) },
                    try entry.issuer.map { try Self.nameID($0, db, &names) }, digest.map { Data($0) }, Data(fingerprint),
                    digest.map(Self.key), Self.key(fingerprint),
                ])
            }
            for finding in findings {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO finding (log_url, log_index, identity, issuer, serial, integrated_time)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [log, finding.logIndex, finding.identity, finding.issuer, finding.serial, finding.integratedTime]
                )
            }
            try db.execute(
                sql: """
                    INSERT INTO tally (log_url, untrusted_matches, unread_entries) VALUES (?, ?, ?)
                    ON CONFLICT (log_url) DO UPDATE SET untrusted_matches = untrusted_matches + excluded.untrusted_matches,
                        unread_entries = unread_entries + excluded.unread_entries
                    """,
                arguments: [log, untrustedMatches, unreadEntries]
            )
            if let checkpoint {
                try db.execute(
                    sql: """
                        INSERT INTO log (url, checkpoint, tree_size, scanned_to) VALUES (?, ?, ?, ?)
                        ON CONFLICT (url) DO UPDATE SET checkpoint = excluded.checkpoint, tree_size = excluded.tree_size,
                            scanned_to = excluded.scanned_to
                        """,
                    arguments: [log, Data(checkpoint.bytes), checkpoint.treeSize, scannedTo]
                )
            } else {
                try db.execute(sql: "UPDATE log SET scanned_to = ? WHERE url = ?", arguments: [scannedTo, log])
            }
        }
    }

    /// The id of `text` in the name table, added when new.
    static func nameID(_ text: String, _ db: Database, _ cache: inout [String: Int64]) throws -> Int64 {
        if let id = cache[text] { return id }
        try db.execute(sql: "INSERT OR IGNORE INTO name (text) VALUES (?)", arguments: [text])
        let id = try Int64.fetchOne(db, sql: "SELECT id FROM name WHERE text = ?", arguments: [text]) ?? 0
        cache[text] = id
        return id
    }

    /// The first eight bytes of a hash, as the integer its index keys on.
    static func key(_ hash: [UInt8]) -> Int64 {
        Int64(bitPattern: hash.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }

    /// The identity findings on `log` not yet marked reported, oldest first.
    public func unreportedFindings(log: String) throws(MonitorError) -> [(id: Int64, finding: Finding)] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, log_index, identity, issuer, serial, integrated_time FROM finding
                    WHERE log_url = ? AND reported = 0 ORDER BY log_index
                    """,
                arguments: [log]
            ).map {
                (
                    $0["id"],
                    Finding.identity(
                        log: log,
                        index: $0["log_index"],
                        identity: $0["identity"],
                        issuer: $0["issuer"],
                        serial: $0["serial"],
                        integratedTime: $0["integrated_time"]
                    )
                )
            }
        }
    }

    /// Marks findings reported.
    public func markReported(_ ids: [Int64]) throws(MonitorError) {
        guard !ids.isEmpty else { return }
        try run { db in
            for id in ids { try db.execute(sql: "UPDATE finding SET reported = 1 WHERE id = ?", arguments: [id]) }
        }
    }

    /// Every identity finding recorded on `log`, reported or not.
    public func findings(log: String) throws(MonitorError) -> [Finding] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT log_index, identity, issuer, serial, integrated_time FROM finding WHERE log_url = ? ORDER BY log_index",
                arguments: [log]
            ).map {
                Finding.identity(
                    log: log,
                    index: $0["log_index"],
                    identity: $0["identity"],
                    issuer: $0["issuer"],
                    serial: $0["serial"],
                    integratedTime: $0["integrated_time"]
                )
            }
        }
    }

    /// How many matches came from certificates no trusted CA issued, and how many entries were
    /// of kinds the monitor does not read, on `log` so far.
    public func tally(log: String) throws(MonitorError) -> (untrustedMatches: Int, unreadEntries: Int) {
        try read { db in
            let row = try Row.fetchOne(db, sql: "SELECT untrusted_matches, unread_entries FROM tally WHERE log_url = ?", arguments: [log])
            return (row?["untrusted_matches"] ?? 0, row?["unread_entries"] ?? 0)
        }
    }

    /// What the index holds on `log` for entries whose identity, digest or fingerprint is the
    /// one given; at most `limit` of them, in log order.
    public func search(log: String, identity: String? = nil, digest: String? = nil, fingerprint: String? = nil, limit: Int = 1000)
        throws(MonitorError) -> [IndexedEntry]
    {
        let condition: String
        let value: any DatabaseValueConvertible
        var exact: [UInt8]?
        if let identity {
            condition = "entry.identity = (SELECT id FROM name WHERE text = ?)"
            value = identity
        } else if let hash = (digest ?? fingerprint).flatMap(Hex.decode), hash.count >= 8 {
            condition = digest != nil ? "entry.digest_key = ?" : "entry.fingerprint_key = ?"
            value = Self.key(hash)
            exact = hash
        } else {
            return []
        }
        let byDigest = digest != nil
        return try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT entry.log_index, identity.text AS identity, issuer.text AS issuer, entry.digest, entry.fingerprint
                    FROM entry LEFT JOIN name AS identity ON identity.id = entry.identity
                    LEFT JOIN name AS issuer ON issuer.id = entry.issuer
                    WHERE entry.log = (SELECT id FROM name WHERE text = ?) AND \(condition) ORDER BY entry.log_index LIMIT ?
                    """,
                arguments: [log, value, limit]
            ).compactMap { row -> IndexedEntry? in
                let digestBytes = (row["digest"] as Data?).map { [UInt8]($0) }
                let fingerprintBytes = [UInt8]((row["fingerprint"] as Data?) ?? Data())
                if let exact, (byDigest ? digestBytes : fingerprintBytes) != exact { return nil }
                return IndexedEntry(
                    logIndex: row["log_index"],
                    identity: row["identity"],
                    issuer: row["issuer"],
                    digest: digestBytes.map { Hex.encode($0) },
                    fingerprint: Hex.encode(fingerprintBytes)
                )
            }
        }
    }
}
