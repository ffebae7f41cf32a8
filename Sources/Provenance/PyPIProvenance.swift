import TUF

/// A PEP 740 provenance object, as PyPI's integrity API serves it for one file: attestation
/// bundles, each naming the Trusted Publisher PyPI recorded and holding its attestations.
///
/// The publisher named here is PyPI's record, not evidence: what an attestation proves comes
/// from its certificate, checked against the publisher the user expects.
public struct PyPIProvenance: Sendable {
    /// One attestation bundle.
    public struct Bundle: Sendable {
        /// The publisher as PyPI names it (`kind` and the kind's fields).
        public let publisher: JSONObject
        /// Its attestations.
        public let attestations: [PyPIAttestation]
    }

    /// The attestation bundles.
    public let bundles: [Bundle]

    /// Every attestation of every bundle.
    public var attestations: [PyPIAttestation] { bundles.flatMap(\.attestations) }

    /// Reads a provenance object from its JSON bytes.
    public init(bytes: [UInt8]) throws(ProvenanceError) {
        guard case .object(let object)? = try? JSONParser().parse(bytes), object["version"]?.integerValue == 1,
            case .array(let bundles)? = object["attestation_bundles"], !bundles.isEmpty
        else { throw ProvenanceError(["the provenance is not a version 1 object with attestation_bundles"]) }
        var read: [Bundle] = []
        for (index, bundle) in bundles.enumerated() {
            guard case .object(let fields) = bundle, case .object(let publisher)? = fields["publisher"],
                case .array(let attestations)? = fields["attestations"], !attestations.isEmpty
            else { throw ProvenanceError(["attestation bundle \(index) has no publisher and attestations"]) }
            var parsed: [PyPIAttestation] = []
            for attestation in attestations {
                guard case .object(let attestationObject) = attestation else {
                    throw ProvenanceError(["attestation bundle \(index) holds something that is not an attestation"])
                }
                parsed.append(try PyPIAttestation(object: attestationObject))
            }
            read.append(Bundle(publisher: publisher, attestations: parsed))
        }
        self.bundles = read
    }
}
