import Crypto
import Foundation
import SwiftASN1
import TUF
import TransparencyLog
@_spi(FixedExpiryValidationTime) import X509

/// Decides whether a signed entity (a Sigstore bundle, or anything else that is a
/// ``SignedEntity``) proves that an artifact was signed by an expected identity or a managed
/// key, against one trusted root. Every check fails closed and says which it was.
///
/// The checks are named steps, each public and usable alone, in the order ``verify(_:artifact:policy:now:)``
/// makes them: ``signingMaterial(of:policy:)``, ``verifyTransparencyLogEntries(of:signer:artifact:now:)``,
/// ``verifyTimestamps(of:)``, ``verifyCertificate(_:at:)`` (the chain at each verified time, then its
/// SCTs), the identity policy, and ``verifySignature(of:signer:artifact:)``. For several trusted
/// roots at once, ``SignedEntityVerifier`` picks the one root to verify against.
public struct BundleVerifier: Sendable {
    /// Who must have signed.
    public enum Policy: Sendable {
        /// A Fulcio certificate matching the identity policy.
        case identity(IdentityPolicy)
        /// The managed key.
        case key(VerificationKey)
    }

    /// How much evidence a bundle must carry (sigstore-go's thresholds). Every log entry and
    /// timestamp a bundle carries is checked whatever the thresholds say.
    public struct Thresholds: Sendable, Equatable {
        /// How many transparency-log entries must verify.
        public var transparencyLogEntries: Int
        /// How many RFC 3161 timestamps must verify.
        public var timestamps: Int
        /// How many SCTs from distinct trusted CT logs the signing certificate must carry; at
        /// zero the SCTs are not checked.
        public var signedCertificateTimestamps: Int

        /// Thresholds with these counts.
        public init(transparencyLogEntries: Int, timestamps: Int, signedCertificateTimestamps: Int) {
            self.transparencyLogEntries = transparencyLogEntries
            self.timestamps = timestamps
            self.signedCertificateTimestamps = signedCertificateTimestamps
        }

        /// What a bundle must carry under `root`: one log entry and one SCT, as the public-good
        /// instance signs; for a root with no transparency logs but a timestamp authority (as
        /// GitHub's private instance signs), one timestamp instead of a log entry; no SCT for a
        /// root with no CT logs.
        public static func defaults(for root: TrustedRoot) -> Thresholds {
            let timestampsOnly = root.transparencyLogs.isEmpty && !root.timestampAuthorities.isEmpty
            return Thresholds(
                transparencyLogEntries: timestampsOnly ? 0 : 1,
                timestamps: timestampsOnly ? 1 : 0,
                signedCertificateTimestamps: root.certificateTransparencyLogs.isEmpty ? 0 : 1
            )
        }
    }

    /// What a successful verification established.
    public struct Result: Sendable {
        /// The times at which the signature was shown to exist, with where each came from.
        public var verifiedTimes: [(source: String, time: Date)]
        /// The signing certificate, for certificate-based bundles.
        public var certificate: Certificate?
        /// For DSSE bundles, the statement's predicate type, if it is an in-toto statement.
        public var predicateType: String?
        /// The checks that applied to this bundle and passed, in the order they were made.
        public var checks: [VerificationError.Check]
    }

    /// Who signed, as the first step works it out from the entity and the policy.
    public struct SigningMaterial: Sendable {
        /// The key that made the signature.
        public var key: VerificationKey
        /// The signing certificate, when a certificate signed.
        public var certificate: Certificate?
        /// The certificate's DER as carried, or the managed key's DER SubjectPublicKeyInfo:
        /// what a log entry must record.
        public var verifierDER: [UInt8]
        /// The certificate's base64 text as carried, when it was.
        public var verifierBase64: [UInt8]?
    }

    /// What the log-entry step established.
    public struct LogEntriesOutcome: Sendable {
        /// The integration times the logs signed, with where each came from.
        public var verifiedTimes: [(source: String, time: Date)]
        /// For entries with no signed time (Rekor v2): the entry's index and the validity
        /// windows of the log keys that signed its checkpoint, which must cover every verified
        /// time (``checkCheckpointWindows(_:_:entry:)``).
        public var checkpointWindows: [(entry: Int64, windows: [TrustedRoot.Validity])]
        /// The checks that applied and passed.
        public var checks: [VerificationError.Check]
    }

    /// The trusted root.
    public let trustedRoot: TrustedRoot
    /// How much evidence a bundle must carry.
    public var thresholds: Thresholds
    /// Allowed clock skew for "not in the future".
    public var clockSkew: TimeInterval = 60

    /// Which authorities' own certificates form a chain: each is checked once, when first
    /// needed, rather than for every bundle, so a signing certificate then needs only its
    /// issuer's signature. Authorities whose certificates do not form a chain are not used.
    let authorities: AuthorityCache

    /// A verifier trusting `trustedRoot`, requiring `thresholds` (by default what the root
    /// calls for: ``Thresholds/defaults(for:)``).
    public init(trustedRoot: TrustedRoot, thresholds: Thresholds? = nil) {
        self.trustedRoot = trustedRoot
        self.thresholds = thresholds ?? .defaults(for: trustedRoot)
        self.authorities = AuthorityCache(trustedRoot)
    }

    /// Verifies `entity` for `artifact` under `policy` at the current time.
    @discardableResult
    public func verify(
        _ entity: some SignedEntity,
        artifact: Artifact,
        policy: Policy,
        now: Date = Date()
    ) async throws(VerificationError) -> Result {
        var progress = VerificationError.Progress()
        do {
            return try await verify(entity, artifact: artifact, policy: policy, now: now, recording: &progress)
        } catch {
            var failure = error
            failure.progress = progress
            throw failure
        }
    }

    /// ``verify(_:artifact:policy:now:)``, recording in `progress` each check as it passes and
    /// each time as it is verified, so that a failure can say how far it got.
    private func verify(
        _ entity: some SignedEntity,
        artifact: Artifact,
        policy: Policy,
        now: Date,
        recording progress: inout VerificationError.Progress
    ) async throws(VerificationError) -> Result {
        let signer = try signingMaterial(of: entity, policy: policy)
        _ = try entity.signatureBytes()
        // Hashed once: the artifact may be large, and several checks need its digest.
        let digests = ArtifactDigests(artifact)
        progress.checks = [.bundle, .trustedRoot]
        if case .key = policy { progress.checks.append(.key) }

        let logs = try verifyTransparencyLogEntries(of: entity, signer: signer, artifact: digests, now: now)
        progress.verifiedTimes = logs.verifiedTimes
        progress.pass(logs.checks)
        let timestamps = try verifyTimestamps(of: entity)
        progress.verifiedTimes += timestamps.map { ("timestamp authority", $0) }
        if !timestamps.isEmpty { progress.pass(.timestamp) }
        let times = progress.verifiedTimes.isEmpty ? [now] : progress.verifiedTimes.map(\.time)
        for (entry, windows) in logs.checkpointWindows { try Self.checkCheckpointWindows(windows, times, entry: entry) }
        guard !progress.verifiedTimes.isEmpty else {
            throw VerificationError(
                .verifiedTime,
                "no verified time: the log entries have no signed integration time and there is no timestamp"
            )
        }
        progress.pass(.verifiedTime)

        if case .identity(let identityPolicy) = policy, let leaf = signer.certificate {
            progress.pass(try await verifyCertificate(leaf, at: progress.verifiedTimes))
            try identityPolicy.check(FulcioCertificate(leaf))
            progress.pass(.identity)
        }

        let predicateType = try verifySignature(of: entity, signer: signer, artifact: digests)
        progress.pass(entity.isEnvelope ? .envelope : .signature)
        return Result(
            verifiedTimes: progress.verifiedTimes,
            certificate: signer.certificate,
            predicateType: predicateType,
            checks: progress.checks
        )
    }

    /// Step one: who signed. For an identity policy, the entity's certificate (with no root
    /// certificate of its own: roots come only from the trusted root); for a key policy, the
    /// key, and the entity must carry no certificate.
    public func signingMaterial(of entity: some SignedEntity, policy: Policy) throws(VerificationError) -> SigningMaterial {
        switch policy {
        case .identity:
            guard let leaf = entity.leafCertificate, let leafDER = entity.leafCertificateDER else {
                throw VerificationError(.identity, "the bundle has no signing certificate: it is signed with a managed key")
            }
            for certificate in entity.certificates.dropFirst() where certificate.subject == certificate.issuer {
                throw VerificationError(
                    .bundle,
                    "the bundle's certificate chain includes a root certificate: roots come only from the trusted root"
                )
            }
            return SigningMaterial(
                key: try VerificationKey(certificateKey: leaf.publicKey),
                certificate: leaf,
                verifierDER: leafDER,
                verifierBase64: entity.leafCertificateBase64
            )
        case .key(let key):
            guard entity.certificates.isEmpty else {
                throw VerificationError(.key, "the bundle carries a certificate, not a managed key's signature")
            }
            return SigningMaterial(key: key, certificate: nil, verifierDER: key.der, verifierBase64: nil)
        }
    }

    /// Step two: every transparency-log entry, each against the trusted root's keys for its
    /// log, with its body recording this entity's signature, signer and artifact; at least
    /// ``Thresholds/transparencyLogEntries`` of them.
    public func verifyTransparencyLogEntries(
        of entity: some SignedEntity,
        signer: SigningMaterial,
        artifact: ArtifactDigests,
        now: Date
    ) throws(VerificationError) -> LogEntriesOutcome {
        let entries = entity.transparencyLogEntries
        guard entries.count >= thresholds.transparencyLogEntries else {
            throw VerificationError(
                .transparencyLog,
                "the bundle has \(entries.count) log entries; \(thresholds.transparencyLogEntries) needed"
            )
        }
        let expectation = LogEntryBody.Expectation(
            verifierDER: signer.verifierDER,
            verifierBase64: signer.verifierBase64,
            content: entity.content,
            artifact: artifact
        )
        var outcome = LogEntriesOutcome(verifiedTimes: [], checkpointWindows: [], checks: [])
        for entry in entries {
            let verified = try verifyLogEntry(entry, expectation, now: now)
            if let time = verified.integratedTime {
                outcome.verifiedTimes.append(("transparency log \(entry.logIndex)", time))
            } else {
                outcome.checkpointWindows.append((entry.logIndex, verified.checkpointKeyWindows))
            }
            var checks: [VerificationError.Check] = [.transparencyLog, .entryBody]
            if entry.inclusionProof != nil { checks += [.inclusionProof, .checkpoint] }
            if entry.integratedTime != nil { checks.append(.integratedTime) }
            if entry.signedEntryTimestamp != nil { checks.append(.signedEntryTimestamp) }
            for check in checks where !outcome.checks.contains(check) { outcome.checks.append(check) }
        }
        return outcome
    }

    /// Step three: every RFC 3161 timestamp, each over the entity's signature and signed by a
    /// trusted timestamp authority; at least ``Thresholds/timestamps`` of them. Returns the
    /// times they verify.
    public func verifyTimestamps(of entity: some SignedEntity) throws(VerificationError) -> [Date] {
        guard entity.timestamps.count >= thresholds.timestamps else {
            throw VerificationError(
                .timestamp,
                "the bundle has \(entity.timestamps.count) RFC 3161 timestamps; \(thresholds.timestamps) needed"
            )
        }
        guard !entity.timestamps.isEmpty else { return [] }
        let signature = try entity.signatureBytes()
        var times: [Date] = []
        for der in entity.timestamps { times.append(try verifyTimestamp(der, signature: signature)) }
        return times
    }

    /// Step four: the signing certificate chains to a trusted certificate authority at each
    /// verified time (and was itself valid then), and carries SCTs from at least
    /// ``Thresholds/signedCertificateTimestamps`` trusted CT logs. Returns the checks made.
    public func verifyCertificate(_ leaf: Certificate, at times: [(source: String, time: Date)]) async throws(VerificationError)
        -> [VerificationError.Check]
    {
        var issuer: TrustedIssuer?
        for (source, time) in times { issuer = try await verifyChain(leaf, at: time, source: source) }
        guard let issuer else { throw VerificationError(.verifiedTime, "no verified time to check the certificate at") }
        guard thresholds.signedCertificateTimestamps > 0 else { return [.certificateChain] }
        try verifySCTs(leaf, issuer: issuer)
        return [.certificateChain, .signedCertificateTimestamp]
    }

    /// Step five: the signature over the artifact (by the digest the content names, else the
    /// one the key's scheme prescribes), or over the DSSE envelope, whose in-toto statement must
    /// then name the artifact. Returns the statement's predicate type, for envelopes.
    public func verifySignature(of entity: some SignedEntity, signer: SigningMaterial, artifact digests: ArtifactDigests)
        throws(VerificationError) -> String?
    {
        let signingKey = signer.key
        switch entity.content {
        case .messageSignature(let signature, let algorithm, let digest):
            // The digest the signature covers: the one the bundle names, else the one the key's
            // scheme prescribes (SHA-384 for P-384, SHA-512 for P-521).
            let named = try algorithm.map { (name) throws(VerificationError) -> VerificationKey.Hash in
                guard let hash = VerificationKey.Hash(name: name) else {
                    throw VerificationError(.signature, "the bundle's message digest algorithm \(name) is not SHA-256, SHA-384 or SHA-512")
                }
                return hash
            }
            let signedHash = named ?? signingKey.hash ?? .sha256
            if let digest {
                guard digest == (try digests.require(signedHash, for: .signature, "the bundle signs")) else {
                    throw VerificationError(.signature, "the bundle's message digest is not the artifact's \(signedHash.rawValue) digest")
                }
            }
            let valid: Bool
            switch (signingKey, digests.artifact) {
            case (.p256, _), (.p384, _), (.p521, _):
                let digest = try digests.require(signedHash, for: .signature, "the signature covers")
                valid = signingKey.isValidSignature(signature, digest: digest, checkingLength: false) ?? false
            case (_, .bytes(let bytes)):
                valid = signingKey.isValidSignature(signature, for: bytes)
            case (_, .sha256), (_, .sha384), (_, .sha512):
                throw VerificationError(.signature, "Ed25519 and RSA signatures can be checked only against the artifact, not its digest")
            }
            guard valid else { throw VerificationError(.signature, "the signature does not verify over the artifact") }
            return nil
        case .envelope(let envelope):
            guard signingKey.isValidSignature(try entity.signatureBytes(), for: envelope.preAuthenticationEncoding) else {
                throw VerificationError(.envelope, "the envelope's signature does not verify")
            }
            return try InTotoStatement.check(envelope, artifact: digests.artifact)
        }
    }

    /// Checks a signing certificate on its own, as a signer does before it uses one: that it
    /// chains to a trusted certificate authority valid at `time` (and was itself valid then),
    /// and carries a valid SCT from a trusted CT log.
    public func verifySigningCertificate(_ leaf: Certificate, at time: Date) async throws(VerificationError) {
        _ = try await verifyCertificate(leaf, at: [("now", time)])
    }

    /// The DER of `certificate`.
    package static func der(_ certificate: Certificate) -> [UInt8] {
        var serializer = DER.Serializer()
        try? serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    /// What a verified log entry tells: its integration time when the log signed it (a SET),
    /// and the validity windows of the log keys that signed its checkpoint, which must cover
    /// the time the bundle is verified at.
    struct LogEntryOutcome {
        var integratedTime: Date?
        var checkpointKeyWindows: [TrustedRoot.Validity]
    }

    /// Checks one log entry against the trusted root's keys for its log; a log listed more than
    /// once (a rotated key) is checked with the key whose validity covers the time in question.
    func verifyLogEntry(_ entry: TransparencyLogEntry, _ expectation: LogEntryBody.Expectation, now: Date)
        throws(VerificationError) -> LogEntryOutcome
    {
        let logs = trustedRoot.transparencyLogs(entry.logID)
        guard !logs.isEmpty else {
            throw VerificationError(.transparencyLog, "the entry's log (id \(Hex.encode(entry.logID))) is not in the trusted root")
        }
        try LogEntryBody.check(entry, expectation)
        var windows: [TrustedRoot.Validity] = []
        if let proof = entry.inclusionProof {
            let leaf = MerkleInclusion.leafHash(entry.canonicalizedBody)
            guard let root = MerkleInclusion.rootHash(leafHash: leaf, index: proof.logIndex, treeSize: proof.treeSize, proof: proof.hashes),
                root == proof.rootHash
            else { throw VerificationError(.inclusionProof, "the proof does not lead from the entry to the root hash") }
            guard let envelope = proof.checkpoint else {
                throw VerificationError(.checkpoint, "the inclusion proof has no checkpoint")
            }
            let checkpoint = try Checkpoint.inBundle(envelope)
            var firstFailure: VerificationError?
            for log in logs {
                do throws(VerificationError) {
                    try checkpoint.verify(by: log)
                    windows.append(log.validity)
                } catch {
                    firstFailure = firstFailure ?? error
                }
            }
            if windows.isEmpty, let firstFailure { throw firstFailure }
            guard checkpoint.treeSize == proof.treeSize, checkpoint.rootHash == proof.rootHash else {
                throw VerificationError(.checkpoint, "the checkpoint is for another tree than the inclusion proof")
            }
        }
        var time: Date?
        if let integrated = entry.integratedTime {
            let date = Date(timeIntervalSince1970: Double(integrated))
            guard date <= now.addingTimeInterval(clockSkew) else {
                throw VerificationError(.integratedTime, "the entry was integrated in the future (\(date))")
            }
            if let promise = entry.signedEntryTimestamp {
                let payload = SignedEntryTimestamp.payload(
                    body: entry.canonicalizedBody,
                    bodyBase64: entry.canonicalizedBodyBase64,
                    integratedTime: integrated,
                    logID: entry.logID,
                    logIndex: entry.logIndex
                )
                let signers = payload.map { payload in logs.filter { $0.key.isValidSignature(promise, for: payload) } } ?? []
                guard !signers.isEmpty else {
                    throw VerificationError(.signedEntryTimestamp, "the log's signed entry timestamp does not verify")
                }
                guard signers.contains(where: { $0.validity.contains(date) }) else {
                    throw VerificationError(.transparencyLog, "the entry was integrated at \(date), outside the log key's validity")
                }
                time = date
            }
        } else if entry.signedEntryTimestamp != nil {
            throw VerificationError(.signedEntryTimestamp, "a signed entry timestamp without an integrated time")
        }
        if time == nil, entry.inclusionProof == nil {
            throw VerificationError(.inclusionProof, "the entry has neither an inclusion proof nor a signed entry timestamp")
        }
        // A checkpoint vouches for an entry with a signed time only through that time's key.
        if let time { windows = windows.filter { $0.contains(time) } }
        if entry.inclusionProof != nil, windows.isEmpty {
            throw VerificationError(.checkpoint, "no key of the log valid at \(time.map { "\($0)" } ?? "that time") signed the checkpoint")
        }
        return LogEntryOutcome(integratedTime: time, checkpointKeyWindows: windows)
    }

    /// Refuses a checkpoint whose signing keys were not valid at every verified time of the
    /// bundle (or now, when it has none): a Rekor v2 entry has no signed time of its own.
    public static func checkCheckpointWindows(_ windows: [TrustedRoot.Validity], _ times: [Date], entry: Int64) throws(VerificationError) {
        guard !windows.isEmpty else { return }
        for time in times where !windows.contains(where: { $0.contains(time) }) {
            throw VerificationError(
                .transparencyLog,
                "log entry \(entry): its checkpoint is signed by a log key not valid at \(time)"
            )
        }
    }

    /// Checks an RFC 3161 timestamp over `signature` against the trusted timestamp authorities.
    func verifyTimestamp(_ der: [UInt8], signature: [UInt8]) throws(VerificationError) -> Date {
        let token = try TimestampToken(der: der)
        guard token.imprint == token.imprintHash.digest(signature) else {
            throw VerificationError(.timestamp, "the timestamp is for another message than the bundle's signature")
        }
        for (index, authority) in trustedRoot.timestampAuthorities.enumerated()
        where authority.validity.contains(token.time) && authorities.chainLinks(.timestampAuthority, index, authority) {
            guard let signer = authority.certificates.first, token.verifySignature(by: signer) else { continue }
            // Every certificate of the authority's chain must have been valid then.
            guard authority.certificates.allSatisfy({ $0.notValidBefore <= token.time && token.time <= $0.notValidAfter }) else {
                throw VerificationError(.timestamp, "the timestamp's time \(token.time) is outside its authority's certificate validity")
            }
            return token.time
        }
        throw VerificationError(.timestamp, "no trusted timestamp authority, valid at \(token.time), signed the timestamp")
    }

    /// A signing certificate's issuer: the first certificate of the trusted authority it chains
    /// to, and the hash of that certificate's key.
    struct TrustedIssuer {
        let certificate: Certificate
        let keyHash: [UInt8]
    }

    /// Checks that `leaf` chains to a trusted certificate authority valid at `time`, and was
    /// itself valid then. Returns the leaf's issuer.
    /// Checks that `precertificate`, as a CT log keeps it, chains to a trusted certificate
    /// authority at `time` (and was valid then) and carries the CT poison extension: the
    /// authority issued it, and a final certificate like it.
    public func verifyPrecertificate(_ precertificate: Certificate, at time: Date, source: String) async throws(VerificationError) {
        _ = try await verifyChain(precertificate, at: time, source: source, precertificate: true)
    }

    func verifyChain(_ leaf: Certificate, at time: Date, source: String, precertificate: Bool = false) async throws(VerificationError)
        -> TrustedIssuer
    {
        var reasons: [String] = []
        for (index, authority) in trustedRoot.certificateAuthorities.enumerated()
        where authority.validity.contains(time) && authorities.chainLinks(.certificateAuthority, index, authority) {
            // The authority's chain was checked once; the rest of it must still have been valid then.
            guard let issuer = authority.certificates.first,
                authority.certificates.dropFirst().allSatisfy({ $0.notValidBefore <= time && time <= $0.notValidAfter })
            else { continue }
            var verifier = Verifier(rootCertificates: authorities.issuerStore(index, issuer)) {
                RFC5280Policy(fixedExpiryValidationTime: time)
                CodeSigningPolicy()
                if precertificate { PrecertificatePolicy() }
            }
            switch await verifier.validate(leaf: leaf, intermediates: CertificateStore()) {
            case .validCertificate:
                return TrustedIssuer(certificate: issuer, keyHash: authorities.issuingKeyHash(index, issuer))
            case .couldNotValidate(let failures):
                reasons += failures.map { "\($0.policyFailureReason)" }
            }
        }
        throw VerificationError(
            .certificateChain,
            "the signing certificate does not chain to a trusted authority valid at \(time) (\(source))"
                + (reasons.isEmpty ? "" : ": \(reasons.joined(separator: "; "))")
        )
    }

    /// Checks that embedded SCTs from at least ``Thresholds/signedCertificateTimestamps``
    /// distinct trusted CT logs verify.
    func verifySCTs(_ leaf: Certificate, issuer: TrustedIssuer) throws(VerificationError) {
        let needed = thresholds.signedCertificateTimestamps
        let scts = try SignedCertificateTimestamp.embedded(in: leaf)
        guard !scts.isEmpty else { throw VerificationError(.signedCertificateTimestamp, "the certificate has no embedded SCT") }
        var lastError: VerificationError?
        var vouching: [[UInt8]] = []
        for sct in scts where !vouching.contains(sct.logID) {
            let logs = trustedRoot.certificateTransparencyLogs(sct.logID)
            guard !logs.isEmpty else {
                lastError = VerificationError(.signedCertificateTimestamp, "the SCT's log is not in the trusted root")
                continue
            }
            for log in logs {
                do throws(VerificationError) {
                    try sct.verify(certificate: leaf, issuerKeyHash: issuer.keyHash, log: log)
                    guard log.validity.contains(sct.timestamp) else {
                        throw VerificationError(.signedCertificateTimestamp, "the SCT's time is outside its log key's validity")
                    }
                    vouching.append(sct.logID)
                    break
                } catch {
                    lastError = error
                }
            }
            if vouching.count >= needed { return }
        }
        if vouching.isEmpty, let lastError { throw lastError }
        throw VerificationError(
            .signedCertificateTimestamp,
            "the certificate has valid SCTs from \(vouching.count) trusted CT logs; \(needed) needed"
        )
    }
}
