import Foundation
import OCI
import Sigstore
import TUF

/// Verifies an image in a registry as `cosign verify` does with cosign v3 bundles: resolves the
/// reference to one digest, finds every Sigstore bundle referring to it, and verifies each
/// against the trusted material and the policy, with the image manifest's digest as the
/// artifact (a statement's subject must be it).
public struct ImageVerifier: Sendable {
    /// One referring bundle's outcome.
    public struct BundleOutcome: Sendable {
        /// The referrer manifest's digest.
        public var referrer: OCIDigest
        /// The verification's report; nil when the referrer could not be read as a bundle.
        public var report: VerificationReport?
        /// Why the referrer was not verified, when it was not.
        public var failure: String?
        /// The bundle, once read.
        public var bundle: SigstoreBundle?

        /// Whether it is a signature in cosign's legacy layout (then `referrer` is its layer's digest).
        public var isLegacy = false

        /// Whether the bundle verified under the policy.
        public var isVerified: Bool { report?.isVerified ?? false }
    }

    /// What a verification found.
    public struct Report: Sendable {
        /// The image's digest, the only thing verified.
        public var digest: OCIDigest
        /// Each referring bundle's outcome, in the registry's order.
        public var outcomes: [BundleOutcome]
        /// How many more bundles refer to the image (or legacy signatures its `.sig` manifest
        /// lists) than the verifier checks; none of them counts as verified.
        public var unchecked = 0
        /// How many bundles the registry lists with another predicate type than the one the
        /// run requires; they are not fetched.
        public var otherPredicateTypes = 0
    }

    /// Where the image is: a registry or a layout folder.
    public let registry: any ImageSource
    /// The verification: verifier, policy and predicate type.
    public let run: VerificationRun

    /// The most referring bundles one verification checks; the registry chooses the order.
    public let maximumBundles: Int

    /// A verifier reading `registry`, checking at most `maximumBundles` bundles with `run`.
    public init(registry: any ImageSource, run: VerificationRun, maximumBundles: Int = 64) {
        self.registry = registry
        self.run = run
        self.maximumBundles = max(maximumBundles, 1)
    }

    /// When to look for signatures in cosign's legacy layout too.
    public enum LegacyLookup: Sendable {
        /// Never.
        case never
        /// When no referring bundle verified (so a verified image costs no extra request).
        case whenNoBundleVerifies
        /// Always, so that every signature is checked.
        case always
    }

    /// Verifies every bundle referring to the image `reference` names (for an index and a
    /// `platform`, the index's image for it), and signatures in cosign's legacy layout as
    /// `legacy` says (plain signatures only: none is an attestation).
    public func verify(
        _ reference: ImageReference,
        legacy: LegacyLookup = .whenNoBundleVerifies,
        platform: OCIPlatform? = nil
    ) async throws(OCIError) -> Report {
        let (digest, _) = try await registry.resolve(reference, platform: platform)
        let referrers = try await registry.referrers(reference.repository, of: digest, artifactType: nil)
        var outcomes: [BundleOutcome]
        // Referrers of other types, listed by the registry, are not bundles to check.
        let listed = referrers.filter { $0.artifactType == nil || $0.artifactType == ImageBundleFormat.bundleMediaType }
        // A bundle listed with another predicate type (an attestation, when the signature is
        // asked for) is left out unread, as cosign leaves it. The annotation only filters: a
        // bundle that is read is held to its own statement.
        let bundles = listed.filter { referrer in
            guard let wanted = run.predicateType, let listedType = referrer.annotations[ImageBundleFormat.predicateTypeAnnotation]
            else { return true }
            // Bytes, not canonically equivalent strings, as the statement's type is compared.
            return listedType.utf8.elementsEqual(wanted.utf8)
        }
        outcomes = await verifyAll(Array(bundles.prefix(maximumBundles)), of: digest, in: reference.repository)
        let wantsLegacy = legacy == .always || (legacy == .whenNoBundleVerifies && !outcomes.contains { $0.isVerified })
        var legacyUnchecked = 0
        if wantsLegacy, run.predicateType == nil || run.predicateType == ImageBundleFormat.signPredicateType {
            let legacy = try await legacySignatures(of: digest, reference: reference)
            outcomes += legacy.outcomes
            legacyUnchecked = legacy.unchecked
        }
        var report = Report(digest: digest, outcomes: outcomes)
        report.unchecked = bundles.count - min(bundles.count, maximumBundles) + legacyUnchecked
        report.otherPredicateTypes = listed.count - bundles.count
        return report
    }

    /// The signatures in the manifest tagged `sha256-HEX.sig`, each verified with its payload
    /// as the artifact and required to name the image's digest: at most ``maximumBundles`` of
    /// them, and how many more the manifest lists.
    func legacySignatures(of digest: OCIDigest, reference: ImageReference) async throws(OCIError) -> (
        outcomes: [BundleOutcome], unchecked: Int
    ) {
        let tagged = ImageReference(
            registry: reference.registry,
            repository: reference.repository,
            tag: LegacyImageSignature.tag(for: digest),
            digest: nil
        )
        let manifest: OCIManifest
        do {
            manifest = try await registry.resolve(tagged).manifest
        } catch let error where error.kind == .notFound {
            return ([], 0)
        }
        let plain = VerificationRun(verifier: run.verifier, policy: run.policy)
        var outcomes: [BundleOutcome] = []
        for layer in manifest.entries.prefix(maximumBundles) {
            var outcome = BundleOutcome(referrer: layer.digest)
            outcome.isLegacy = true
            do {
                let payload = try await registry.blob(reference.repository, digest: layer.digest, size: layer.size)
                let signature = try LegacyImageSignature(layer: layer, payload: payload)
                guard signature.imageDigest == digest.description else {
                    outcomes.append(outcome.refused("the legacy signature's payload names \(signature.imageDigest), not \(digest)"))
                    continue
                }
                outcome.report = await plain.verify(signature, artifact: .bytes(payload))
                outcome.failure = outcome.report?.failure
            } catch {
                outcome = outcome.refused(error.description)
            }
            outcomes.append(outcome)
        }
        return (outcomes, manifest.entries.count - outcomes.count)
    }

    /// How many referrers are read and verified at once: enough to overlap the registry's
    /// round trips for an image with many signatures, few enough not to flood the registry.
    static let concurrentReferrers = 8

    /// Reads and verifies `referrers`, several at a time; the outcomes are in the referrers' order.
    func verifyAll(_ referrers: [OCIDescriptor], of digest: OCIDigest, in repository: String) async -> [BundleOutcome] {
        await withTaskGroup(of: (Int, BundleOutcome).self) { group in
            var outcomes = [BundleOutcome?](repeating: nil, count: referrers.count)
            var next = 0
            func start() {
                let index = next
                next += 1
                group.addTask {
                    let outcome = await verify(referrers[index], of: digest, in: repository)
                    return (index, outcome)
                }
            }
            while next < min(referrers.count, Self.concurrentReferrers) { start() }
            for await (index, outcome) in group {
                outcomes[index] = outcome
                if next < referrers.count { start() }
            }
            return outcomes.compactMap { $0 }
        }
    }

    /// Reads and verifies one referrer: a manifest whose subject is the image and whose one
    /// layer is a bundle.
    func verify(_ referrer: OCIDescriptor, of digest: OCIDigest, in repository: String) async -> BundleOutcome {
        var outcome = BundleOutcome(referrer: referrer.digest)
        do {
            let manifest = try await registry.manifest(repository, digest: referrer.digest)
            guard
                manifest.artifactType == ImageBundleFormat.bundleMediaType
                    || manifest.config?.mediaType == ImageBundleFormat.bundleMediaType
            else { return outcome.refused("the referrer is not a Sigstore bundle (artifact type \(manifest.artifactType ?? "none"))") }
            guard let subject = manifest.subject, subject.digest == digest else {
                return outcome.refused("the referrer refers to \(manifest.subject?.digest.description ?? "no image"), not \(digest)")
            }
            guard manifest.entries.count == 1, let layer = manifest.entries.first, layer.mediaType == ImageBundleFormat.bundleMediaType
            else {
                return outcome.refused("the referrer does not hold exactly one bundle layer")
            }
            let bytes = try await registry.blob(repository, digest: layer.digest, size: layer.size)
            let bundle: SigstoreBundle
            do {
                bundle = try SigstoreBundle(bytes: bytes)
            } catch {
                return outcome.refused("the bundle is malformed: \(error)")
            }
            outcome.bundle = bundle
            outcome.report = await run.verify(bundle, artifact: .sha256(digest.bytes))
            outcome.failure = outcome.report?.failure
        } catch {
            return outcome.refused(error.description)
        }
        return outcome
    }
}

extension ImageVerifier.BundleOutcome {
    init(referrer: OCIDigest) {
        self.referrer = referrer
        report = nil
        failure = nil
        bundle = nil
    }

    func refused(_ reason: String) -> Self {
        var refused = self
        refused.failure = reason
        return refused
    }
}
