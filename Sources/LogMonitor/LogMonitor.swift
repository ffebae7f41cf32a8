import Foundation
import Plumbing
import Sigstore
import TUF
import TransparencyLog

/// One monitor run over one log: verify its checkpoint, prove it extends the one kept in the
/// state, scan every entry since the last run for the policy's identities, and record each
/// batch with the scan position.
///
/// Findings are recorded in the state before they are handed to `report`, and marked reported
/// after: a run killed in between hands them over again on the next run, so a finding may
/// repeat after a crash but is never lost.
public struct LogMonitor: Sendable {
    /// What a run did.
    public struct Summary: Sendable {
        /// The log's verified checkpoint this run.
        public var checkpoint: Checkpoint
        /// The first entry scanned.
        public var scannedFrom: Int64
        /// One past the last entry scanned.
        public var scannedTo: Int64
        /// The findings handed to the report.
        public var findings: [Finding]
        /// Matches in certificates no trusted CA issued, this run.
        public var untrustedMatches: Int
        /// Entries of kinds the monitor does not read, this run.
        public var unreadEntries: Int
    }

    /// The log's URL prefix, the key its state is kept under.
    public let url: String
    /// The log: tiled (Rekor v2) or Rekor v1.
    public let log: any LogSource
    /// What to watch for.
    public let policy: MonitorPolicy
    /// The trusted root whose CAs a matching certificate must chain to.
    public let trustedRoot: TrustedRoot
    /// The state.
    public let state: MonitorState

    /// A monitor of `log`, kept under `url` in `state`.
    public init(url: String, log: any LogSource, policy: MonitorPolicy, trustedRoot: TrustedRoot, state: MonitorState) {
        self.url = url
        self.log = log
        self.policy = policy
        self.trustedRoot = trustedRoot
        self.state = state
    }

    /// Runs once. On a fresh state the scan starts at `fromIndex` (the log's current size when
    /// nil); later runs continue where the state says. An inconsistency is handed to `report`
    /// and leaves the state as it was, so every later run reports it again.
    public func runOnce(fromIndex: Int64? = nil, report: (Finding) -> Void) async throws(MonitorError) -> Summary {
        let lock: FolderLock
        do {
            lock = try await FolderLock(
                URL(fileURLWithPath: state.path),
                timeout: 600,
                busyReason: "another monitor run holds this state folder"
            )
        } catch {
            throw MonitorError(.state, error.description)
        }
        let outcome: Result<Summary, MonitorError>
        do throws(MonitorError) {
            outcome = .success(try await runLocked(fromIndex: fromIndex, report: report))
        } catch {
            outcome = .failure(error)
        }
        lock.release()
        return try outcome.get()
    }

    func runLocked(fromIndex: Int64?, report: (Finding) -> Void) async throws(MonitorError) -> Summary {
        let checkpoint = try await logged { () async throws(LogError) in try await log.latestCheckpoint() }
        let view: any LogView = try await logged { () async throws(LogError) in try await log.view(at: checkpoint) }
        var summary = Summary(checkpoint: checkpoint, scannedFrom: 0, scannedTo: 0, findings: [], untrustedMatches: 0, unreadEntries: 0)
        let record = try state.record(for: url)
        if let record {
            if let inconsistency = try await checkConsistency(from: record, to: view) {
                report(inconsistency)
                summary.findings = [inconsistency]
                return summary
            }
        }
        let start = record?.scannedTo ?? min(max(fromIndex ?? checkpoint.treeSize, 0), checkpoint.treeSize)
        try state.recordBatch(
            log: url,
            scannedTo: start,
            checkpoint: (checkpoint.note.bytes, checkpoint.treeSize),
            entries: [],
            findings: [],
            untrustedMatches: 0,
            unreadEntries: 0
        )
        summary.findings += try reportUnreported(report)
        summary.scannedFrom = start
        summary.scannedTo = start
        let examiner = EntryExaminer(policy: policy, trustedRoot: trustedRoot, log: url)
        var next = start
        while next < checkpoint.treeSize {
            let batch = try await logged { () async throws(LogError) in try await view.batch(from: next) }
            guard let last = batch.last, batch.first?.index == next else {
                throw MonitorError(.log(.malformed), "the log returned no entries at index \(next)")
            }
            var examined = EntryExaminer.Examination()
            for entry in batch {
                let result = await examiner.examine(entry)
                examined.indexed += result.indexed
                examined.findings += result.findings
                examined.untrustedMatches += result.untrustedMatches
                examined.unread += result.unread
            }
            next = last.index + 1
            try state.recordBatch(
                log: url,
                scannedTo: next,
                checkpoint: nil,
                entries: examined.indexed,
                findings: examined.findings,
                untrustedMatches: examined.untrustedMatches,
                unreadEntries: examined.unread
            )
            summary.findings += try reportUnreported(report)
            summary.untrustedMatches += examined.untrustedMatches
            summary.unreadEntries += examined.unread
            summary.scannedTo = next
        }
        return summary
    }

    /// Hands the recorded, unreported findings to `report`, then marks them reported.
    func reportUnreported(_ report: (Finding) -> Void) throws(MonitorError) -> [Finding] {
        let pending = try state.unreportedFindings(log: url)
        for (_, finding) in pending { report(finding) }
        try state.markReported(pending.map(\.id))
        return pending.map(\.finding)
    }

    /// The inconsistency between the kept checkpoint and the log's current one, if any: a
    /// smaller tree (a rollback), another origin, or a proof that does not lead from the kept
    /// root to the new one (a fork).
    func checkConsistency(from record: MonitorState.LogRecord, to view: some LogView) async throws(MonitorError) -> Finding? {
        let kept: Checkpoint
        do {
            kept = try Checkpoint(record.checkpoint)
        } catch {
            throw MonitorError(.state, "the checkpoint kept in the state is unreadable: \(error)")
        }
        let current = view.checkpoint
        func inconsistency(_ what: String, proof: [[UInt8]] = []) -> Finding {
            let proofText =
                proof.isEmpty ? "" : "\nproof:\n" + proof.map { String(decoding: Base64.encode($0), as: UTF8.self) }.joined(separator: "\n")
            return .inconsistency(
                log: url,
                detail:
                    "\(what)\nkept checkpoint:\n\(String(decoding: kept.note.bytes, as: UTF8.self))\ncurrent checkpoint:\n\(String(decoding: current.note.bytes, as: UTF8.self))\(proofText)"
            )
        }
        guard kept.origin == current.origin else {
            return inconsistency("the log's origin changed from \(kept.origin) to \(current.origin)")
        }
        guard current.treeSize >= kept.treeSize else {
            return inconsistency("the log rolled back from size \(kept.treeSize) to \(current.treeSize)")
        }
        let proof = try await logged { () async throws(LogError) in try await view.consistencyProof(from: kept.treeSize) }
        guard
            MerkleConsistency.verify(
                firstSize: kept.treeSize,
                firstRoot: kept.rootHash,
                secondSize: current.treeSize,
                secondRoot: current.rootHash,
                proof: proof
            )
        else {
            return inconsistency(
                kept.treeSize == current.treeSize
                    ? "the log forked: two checkpoints of size \(current.treeSize) with different roots"
                    : "the log's tree of size \(current.treeSize) does not extend the kept one of size \(kept.treeSize)",
                proof: proof
            )
        }
        return nil
    }

    func logged<T>(_ work: () async throws(LogError) -> T) async throws(MonitorError) -> T {
        do {
            return try await work()
        } catch {
            throw MonitorError(error)
        }
    }
}
