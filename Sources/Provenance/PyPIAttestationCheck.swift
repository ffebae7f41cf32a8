import Sigstore
import TUF
import X509

/// Checks a verified PEP 740 attestation's statement against a distribution file and its
/// certificate against the Trusted Publisher expected, as PyPI does on upload: one subject,
/// named as the file is and with its SHA-256, a predicate type PyPI knows, and a certificate
/// that is the publisher's.
public struct PyPIAttestationCheck: Sendable {
    /// PyPI's publish attestation.
    public static let publishV1 = "https://docs.pypi.org/attestations/publish/v1"
    /// The predicate types PyPI accepts.
    public static let knownPredicateTypes: Set<String> = [publishV1, ProvenanceCheck.slsaV1]

    /// What an attestation that passed says.
    public struct Summary: Sendable, Equatable {
        /// The predicate type.
        public var predicateType: String
        /// The certificate's build configuration (the workflow that published), if named.
        public var buildConfiguration: String?
        /// The commit built, if named.
        public var commit: String?
    }

    /// The distribution's file name (`name-1.0-py3-none-any.whl`, `name-1.0.tar.gz`).
    public let fileName: String
    /// The distribution's SHA-256.
    public let digest: [UInt8]
    /// The publisher expected.
    public let publisher: TrustedPublisher

    /// A check for the file `fileName` of SHA-256 `digest`, published by `publisher`.
    public init(fileName: String, digest: [UInt8], publisher: TrustedPublisher) {
        self.fileName = fileName
        self.digest = digest
        self.publisher = publisher
    }

    /// Whether `name` is a distribution's file name as PyPI takes one: a wheel, an sdist or a zip.
    public static func isDistributionFileName(_ name: String) -> Bool {
        guard !name.contains("/"), !name.hasPrefix(".") else { return false }
        return [".whl", ".tar.gz", ".zip"].contains { name.hasSuffix($0) && name.count > $0.count }
    }

    /// Checks `statement` (the verified envelope's payload) signed by `certificate`.
    public func check(statement: [UInt8], certificate: Certificate?) throws(ProvenanceError) -> Summary {
        guard case .object(let object)? = try? JSONParser().parse(statement), let type = object["predicateType"]?.stringValue,
            case .array(let subjects)? = object["subject"]
        else { throw ProvenanceError(["the statement has no subject and predicate type"]) }
        var mismatches: [String] = []
        if subjects.count != 1 {
            mismatches.append("the statement has \(subjects.count) subjects, not exactly one")
        } else {
            let subject = subjects[0].objectValue
            let name = subject?["name"]?.stringValue
            if name != fileName { mismatches.append("the subject is named \(name ?? "nothing"), not \(fileName)") }
            let named = subject?["digest"]?.objectValue?["sha256"]?.stringValue
            if named.flatMap(Hex.decode) != digest {
                mismatches.append("the subject's SHA-256 is \(named ?? "not given"), not the file's \(Hex.encode(digest))")
            }
        }
        if !Self.knownPredicateTypes.contains(type) { mismatches.append("the predicate type \(type) is not one PyPI knows") }
        guard let certificate else { throw ProvenanceError(mismatches + ["the attestation carries no signing certificate"]) }
        let fulcio = FulcioCertificate(certificate)
        mismatches += publisher.mismatches(fulcio)
        guard mismatches.isEmpty else { throw ProvenanceError(mismatches) }
        return Summary(
            predicateType: type,
            buildConfiguration: fulcio.claim(TrustedPublisher.buildConfigURI),
            commit: fulcio.claim(TrustedPublisher.sourceRepositoryDigest)
        )
    }
}
