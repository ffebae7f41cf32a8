import Sigstore
import TUF
import X509

/// The host of an `https://HOST/…` URI.
enum URLHost {
    static func of(_ uri: String) -> String? {
        guard let range = uri.range(of: "://") else { return nil }
        return uri[range.upperBound...].split(separator: "/", maxSplits: 1).first.map(String.init)
    }
}

/// Checks SLSA provenance (v0.2 or v1) in a verified bundle's statement as slsa-verifier does:
/// the source repository, ref and commit, and the builder, are the signing certificate's Fulcio
/// extensions, which must meet the policy; the predicate must agree with them. Every mismatch is
/// named.
public struct ProvenanceCheck: Sendable {
    /// SLSA provenance v1's predicate type.
    public static let slsaV1 = "https://slsa.dev/provenance/v1"
    /// SLSA provenance v0.2's predicate type.
    public static let slsaV02 = "https://slsa.dev/provenance/v0.2"

    /// What the provenance says, once checked.
    public struct Summary: Sendable, Equatable {
        /// The predicate type.
        public var predicateType: String
        /// The builder's id.
        public var builderID: String?
        /// The source repository.
        public var repository: String?
        /// The ref built.
        public var ref: String?
        /// The commit built.
        public var commit: String?
    }

    /// What the predicate says about source and builder.
    struct Claims {
        var builderID: String?
        var repository: String?
        var ref: String?
        var commit: String?
    }

    /// The policy.
    public let policy: ProvenancePolicy

    /// A check of `policy`.
    public init(policy: ProvenancePolicy) {
        self.policy = policy
    }

    /// Checks `statement` (the verified envelope's payload), signed by `certificate`.
    public func check(statement: [UInt8], certificate: Certificate?) throws(ProvenanceError) -> Summary {
        guard case .object(let object)? = try? JSONParser().parse(statement), let type = object["predicateType"]?.stringValue,
            case .object(let predicate)? = object["predicate"]
        else { throw ProvenanceError(["the statement has no predicate type and predicate"]) }
        let claims: Claims
        switch type {
        case Self.slsaV1: claims = Self.claimsV1(predicate)
        case Self.slsaV02: claims = Self.claimsV02(predicate)
        default: throw ProvenanceError(["the predicate type is \(type), not SLSA provenance v0.2 or v1"])
        }
        let fulcio = certificate.map(FulcioCertificate.init)
        let certificateRepository = fulcio?.claim(12)
        let certificateRef = fulcio?.claim(14)
        let certificateCommit = fulcio?.claim(13)
        let certificateBuilder = fulcio?.claim(9)
        // What the certificate says is the CA's word; the predicate is the signer's, so it may only
        // agree with the certificate, never stand in for it.
        var mismatches: [String] = []
        let repository = certificateRepository
        if repository == nil {
            mismatches.append("the signing certificate names no source repository (Fulcio extension 1.3.6.1.4.1.57264.1.12)")
        } else if repository != policy.repositoryURI {
            mismatches.append("the source repository is \(repository ?? ""), not \(policy.repositoryURI)")
        }
        if let certificateRepository, let named = claims.repository, named != certificateRepository {
            mismatches.append("the predicate names the repository \(named), the certificate \(certificateRepository)")
        }
        let ref = certificateRef
        if let certificateRef, let named = claims.ref, named != certificateRef {
            mismatches.append("the predicate names the ref \(named), the certificate \(certificateRef)")
        }
        if policy.sourceRef != nil, !(ref.map(policy.accepts(ref:)) ?? false) {
            mismatches.append("the ref is \(ref ?? "not named"), not the one required (\(policy.sourceRef.map(Self.describe) ?? ""))")
        }
        if let certificateCommit, let named = claims.commit, named.lowercased() != certificateCommit.lowercased() {
            mismatches.append("the predicate names the commit \(named), the certificate \(certificateCommit)")
        }
        if let wanted = policy.builderID, !(certificateBuilder.map { Self.sameBuilder($0, wanted) } ?? false) {
            mismatches.append("the builder (the certificate's build signer) is \(certificateBuilder ?? "not named"), not \(wanted)")
        }
        mismatches += Self.githubMismatches(policy, owner: fulcio?.claim(16), signer: certificateBuilder, repository: repository)
        guard mismatches.isEmpty else { throw ProvenanceError(mismatches) }
        return Summary(
            predicateType: type,
            builderID: claims.builderID ?? certificateBuilder,
            repository: repository,
            ref: ref,
            commit: certificateCommit ?? claims.commit
        )
    }

    /// The `--owner` and `--signer-workflow` checks of GitHub artifact attestations, against the
    /// certificate's source repository owner URI (16) and build signer URI (9).
    static func githubMismatches(_ policy: ProvenancePolicy, owner: String?, signer: String?, repository: String?) -> [String] {
        var mismatches: [String] = []
        let host = repository.flatMap { URLHost.of($0) } ?? "github.com"
        if let wanted = policy.owner, owner != "https://\(host)/\(wanted)" {
            mismatches.append("the repository owner is \(owner ?? "not named"), not \(wanted)")
        }
        if let wanted = policy.signerWorkflow {
            let expected =
                wanted.contains("://") ? wanted : (wanted.hasPrefix(host + "/") ? "https://" + wanted : "https://\(host)/\(wanted)")
            let found = signer.flatMap { $0.split(separator: "@", maxSplits: 1).first.map(String.init) }
            if found != expected { mismatches.append("the signer workflow is \(found ?? "not named"), not \(expected)") }
        }
        return mismatches
    }

    /// Whether builder id `found` is `wanted`: equal, or equal once `wanted`, given without a
    /// `@ref`, is compared with `found` without its own.
    static func sameBuilder(_ found: String, _ wanted: String) -> Bool {
        if found == wanted { return true }
        guard !wanted.contains("@") else { return false }
        return found.split(separator: "@", maxSplits: 1).first.map(String.init) == wanted
    }

    static func describe(_ ref: ProvenancePolicy.SourceRef) -> String {
        switch ref {
        case .branch(let name): return "branch \(name)"
        case .tag(let name): return "tag \(name)"
        case .versionedTag(let name): return "a tag of version \(name)"
        }
    }

    /// SLSA v1: `buildDefinition.externalParameters.workflow` (GitHub's builders), the git
    /// commit among `resolvedDependencies`, `runDetails.builder.id`.
    static func claimsV1(_ predicate: JSONObject) -> Claims {
        let definition = predicate["buildDefinition"]?.objectValue
        let workflow = definition?["externalParameters"]?.objectValue?["workflow"]?.objectValue
        var commit: String?
        if case .array(let dependencies)? = definition?["resolvedDependencies"] {
            commit = dependencies.lazy.compactMap { $0.objectValue?["digest"]?.objectValue?["gitCommit"]?.stringValue }.first
        }
        return Claims(
            builderID: predicate["runDetails"]?.objectValue?["builder"]?.objectValue?["id"]?.stringValue,
            repository: workflow?["repository"]?.stringValue,
            ref: workflow?["ref"]?.stringValue,
            commit: commit
        )
    }

    /// SLSA v0.2: `invocation.configSource` (`git+REPO@REF`, its `sha1`), `builder.id`.
    static func claimsV02(_ predicate: JSONObject) -> Claims {
        let source = predicate["invocation"]?.objectValue?["configSource"]?.objectValue
        var repository: String?
        var ref: String?
        if var uri = source?["uri"]?.stringValue {
            if uri.hasPrefix("git+") { uri.removeFirst(4) }
            let parts = uri.split(separator: "@", maxSplits: 1).map(String.init)
            repository = parts.first
            ref = parts.count == 2 ? parts[1] : nil
        }
        return Claims(
            builderID: predicate["builder"]?.objectValue?["id"]?.stringValue,
            repository: repository,
            ref: ref,
            commit: source?["digest"]?.objectValue?["sha1"]?.stringValue
        )
    }
}
