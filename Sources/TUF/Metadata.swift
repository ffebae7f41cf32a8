/// A signed metadata document: the `signed` object, its `signatures`, and the exact canonical
/// bytes the signatures cover.
///
/// When parsed, the envelope keeps the `signed` object exactly as received; the bytes a
/// signature is checked against are the canonical form of that object, never of the typed model
/// re-encoded. Editing ``signed`` switches to the model's encoding, which carries every
/// unrecognized field along.
public struct Metadata<Signed: RoleMetadata>: Sendable {
    /// The typed contents. Setting it discards the received form.
    public var signed: Signed {
        didSet { received = nil }
    }
    /// The signature entries, in order.
    public var signatures: [Signature]
    /// Envelope fields other than `signed` and `signatures`.
    public var unrecognizedFields: JSONObject
    private var received: (json: JSONValue, canonical: [UInt8])?

    /// An unsigned envelope around `signed`.
    public init(signed: Signed, signatures: [Signature] = [], unrecognizedFields: JSONObject = JSONObject()) {
        self.signed = signed
        self.signatures = signatures
        self.unrecognizedFields = unrecognizedFields
    }

    /// Parses a metadata file.
    ///
    /// - Throws: ``MetadataError``: bad JSON, the wrong `_type`, or a field that breaks the
    ///   specification. Signatures are not checked here; see ``ThresholdVerification``.
    public init(bytes: some Collection<UInt8>, parser: JSONParser = JSONParser()) throws(MetadataError) {
        let document: JSONValue
        do {
            document = try parser.parse(bytes)
        } catch {
            throw .invalidJSON(error)
        }
        try self.init(json: document)
    }

    /// Reads a metadata document already parsed.
    public init(json: JSONValue) throws(MetadataError) {
        var reader = try FieldReader(json, path: "")
        let signedJSON = try reader.required("signed")
        let signatureList = try reader.required("signatures")
        guard case .array(let entries) = signatureList else {
            throw .wrongType(path: "signatures", expected: "an array", found: signatureList.typeName)
        }
        var signatures: [Signature] = []
        var signers = Set<String>()
        for (index, entry) in entries.enumerated() {
            let signature = try Signature(json: entry, path: "signatures[\(index)]")
            // The specification makes key ids unique in the list; parsers that kept only one of
            // two entries would disagree on which.
            guard signers.insert(Hex.encode(signature.keyID.utf8)).inserted else {
                throw .invalidValue(path: "signatures[\(index)].keyid", reason: "key id \(signature.keyID) signs more than once")
            }
            signatures.append(signature)
        }
        self.signed = try Signed(json: signedJSON)
        self.signatures = signatures
        self.unrecognizedFields = reader.remaining
        self.received = (signedJSON, CanonicalJSON.encode(signedJSON))
    }

    /// The bytes the signatures cover: the canonical JSON of the `signed` object as received,
    /// or, once edited, of the model.
    public var signedBytes: [UInt8] {
        received?.canonical ?? CanonicalJSON.encode(signed.json)
    }

    /// The `signed` object: as received, or the model's once edited.
    public var signedJSON: JSONValue {
        received?.json ?? signed.json
    }

    /// The whole document as JSON.
    public var json: JSONValue {
        var object = JSONObject()
        object["signed"] = signedJSON
        object["signatures"] = .array(signatures.map(\.json))
        object.merge(unrecognized: unrecognizedFields)
        return .object(object)
    }

    /// The document as a file: pretty-printed JSON.
    public func encoded() -> [UInt8] {
        JSONWriter.prettyPrinted(json)
    }

    /// Signs the current contents with `signer` and records the signature under `keyID`
    /// (by default the signer's key id), replacing an earlier signature under that id.
    ///
    /// - Returns: the new signature entry.
    @discardableResult
    public mutating func sign(with signer: some Signer, keyID: String? = nil) throws -> Signature {
        let keyID = keyID ?? signer.publicKey.keyID
        let signature = Signature(keyID: keyID, signature: Hex.encode(try signer.sign(signedBytes)))
        signatures.removeAll { $0.keyID.utf8.elementsEqual(keyID.utf8) }
        signatures.append(signature)
        return signature
    }
}
