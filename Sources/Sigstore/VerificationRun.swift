import Foundation
import TUF

/// Verification as a command runs it: a verifier over trusted material, who must have signed,
/// and what an in-toto statement must be about; for one bundle or a batch spread over the
/// cores, each ending in a ``VerificationReport`` rather than an error, so a caller reports
/// every outcome the same way.
public struct VerificationRun: Sendable {
    /// The verifier.
    public var verifier: SignedEntityVerifier
    /// Who must have signed.
    public var policy: BundleVerifier.Policy
    /// For DSSE bundles: the in-toto predicate type the statement must have.
    public var predicateType: String?

    /// A run verifying under `policy` with `verifier`.
    public init(verifier: SignedEntityVerifier, policy: BundleVerifier.Policy, predicateType: String? = nil) {
        self.verifier = verifier
        self.policy = policy
        self.predicateType = predicateType
    }

    /// Verifies `entity` for `artifact`; a statement of another predicate type than the one
    /// required fails the envelope check, with every earlier check recorded as passed.
    public func verify(_ entity: some SignedEntity, artifact: BundleVerifier.Artifact, now: Date = Date()) async -> VerificationReport {
        do {
            let result = try await verifier.verify(entity, artifact: artifact, policy: policy, now: now)
            if let predicateType, !(result.predicateType.map { UTF8Name.sameBytes($0, predicateType) } ?? false) {
                var progress = VerificationError.Progress()
                progress.checks = result.checks.filter { $0 != .envelope }
                progress.verifiedTimes = result.verifiedTimes
                let error = VerificationError(
                    .envelope,
                    "the statement's predicate type is \(result.predicateType ?? "absent"), not \(predicateType)"
                )
                return VerificationReport(.failed(error, progress), certificate: result.certificate)
            }
            return VerificationReport(.verified(result), certificate: result.certificate)
        } catch {
            return VerificationReport(.failed(error, error.progress ?? VerificationError.Progress()), certificate: entity.leafCertificate)
        }
    }

    /// Verifies every job with `workers` tasks at a time; `load` reads a job's bundle and
    /// artifact (its error's description becomes the job's failure). `report` hears each job's
    /// index and report as it finishes; the caller keeps what it needs, so a batch of any size
    /// holds only the reports in flight.
    public func verifyBatch<Job: Sendable>(
        _ jobs: [Job],
        workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        load: @escaping @Sendable (Job) async throws -> (SigstoreBundle, BundleVerifier.Artifact),
        report: (_ index: Int, _ report: VerificationReport) -> Void
    ) async {
        await withTaskGroup(of: (Int, VerificationReport).self) { group in
            var next = 0
            func enqueue() {
                guard next < jobs.count else { return }
                let index = next
                next += 1
                let job = jobs[index]
                group.addTask {
                    do {
                        let (bundle, artifact) = try await load(job)
                        let report = await verify(bundle, artifact: artifact)
                        return (index, report)
                    } catch {
                        return (index, VerificationReport(.unreadable("\(error)"), certificate: nil))
                    }
                }
            }
            for _ in 0..<max(1, workers) { enqueue() }
            while let (index, finished) = await group.next() {
                report(index, finished)
                enqueue()
            }
        }
    }
}
