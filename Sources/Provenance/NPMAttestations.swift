import Sigstore
import TUF

/// The npm registry's attestations document for one package version
/// (`/-/npm/v1/attestations/NAME@VERSION`): Sigstore bundles, each with its predicate type, the
/// registry's publish attestation and, for packages built with provenance, the SLSA provenance.
public struct NPMAttestations: Sendable {
    /// npm's publish attestation.
    public static let publishV01 = "https://github.com/npm/attestation/tree/main/specs/publish/v0.1"

    /// One attestation.
    public struct Attestation: Sendable {
        /// The predicate type the document names (the statement's own is what is checked).
        public let predicateType: String
        /// The bundle.
        public let bundle: SigstoreBundle
    }

    /// The attestations, in the document's order.
    public let attestations: [Attestation]

    /// Reads the document's JSON bytes.
    public init(bytes: [UInt8]) throws(ProvenanceError) {
        guard case .object(let object)? = try? JSONParser().parse(bytes), case .array(let entries)? = object["attestations"],
            !entries.isEmpty
        else { throw ProvenanceError(["the attestations document has no attestations"]) }
        var attestations: [Attestation] = []
        for (index, entry) in entries.enumerated() {
            guard case .object(let fields) = entry, let type = fields["predicateType"]?.stringValue, let bundle = fields["bundle"],
                case .object = bundle
            else { throw ProvenanceError(["attestation \(index) has no predicateType and bundle"]) }
            do {
                attestations.append(Attestation(predicateType: type, bundle: try SigstoreBundle(bytes: JSONWriter.prettyPrinted(bundle))))
            } catch {
                throw ProvenanceError(["attestation \(index) (\(type)): \(error)"])
            }
        }
        self.attestations = attestations
    }
}
