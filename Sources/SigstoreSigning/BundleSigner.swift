import Crypto
import CryptoExtras
import Foundation
import Plumbing
import Sigstore
import TUF
import X509

/// Signs an artifact or an in-toto statement and returns a v0.3 Sigstore bundle — keyless,
/// with a certificate from a Fulcio authority, or with a managed key. Nothing a service returns
/// is taken on trust: the certificate chain and its SCT are checked against the trusted root
/// before the artifact is signed, and the finished bundle is verified as a verifier would
/// before it is returned.
public struct BundleSigner: Sendable {
    /// What to sign.
    public enum Content: Sendable {
        /// An artifact's bytes: the bundle holds a signature over it.
        case artifact([UInt8])
        /// Only an artifact's digest (hashed by the caller, as a stream): enough for keyless
        /// signing, which signs the digest, when the hash is the one the key's algorithm
        /// prescribes. Managed keys need the bytes.
        case artifactDigest(VerificationKey.Hash, [UInt8])
        /// An in-toto statement (JSON): the bundle holds a DSSE envelope around it.
        case inTotoStatement([UInt8])

        /// Only an artifact's SHA-256.
        public static func artifactSHA256(_ digest: [UInt8]) -> Content { .artifactDigest(.sha256, digest) }
    }

    /// The trusted root the services' answers are checked against.
    public let trustedRoot: TrustedRoot
    /// The services to use.
    public let signingConfig: SigningConfig
    /// The time signing happens at; a parameter so tests can sign at a chosen time.
    public var clock: @Sendable () -> Date = { Date() }
    let transport: any HTTPTransport
    /// The verifier for the trusted root, made once: it remembers which authorities' own chains it checked.
    let rootVerifier: BundleVerifier

    /// A signer using the services of `signingConfig` over `transport`, trusting `trustedRoot`.
    public init(trustedRoot: TrustedRoot, signingConfig: SigningConfig, transport: any HTTPTransport) {
        self.trustedRoot = trustedRoot
        self.rootVerifier = BundleVerifier(trustedRoot: trustedRoot)
        self.signingConfig = signingConfig
        self.transport = transport
    }

    /// Signs `content` with a fresh key of `algorithm` that lives only in memory, certified for
    /// the identity in `token`.
    public func signKeyless(
        _ content: Content,
        token: IdentityToken,
        algorithm: EphemeralKey.Algorithm = .ecdsaP256
    ) async throws(SigningError) -> SignedBundle {
        let now = clock()
        try token.checkUsable(at: now)
        let selection = try services(at: now, keyless: true)
        guard let authority = selection.certificateAuthority else {
            throw SigningError(.configuration, "no certificate authority to sign keyless with")
        }
        let prepared = try Prepared(content, hash: algorithm.hash)
        let key = EphemeralKey(algorithm)
        let proof: [UInt8]
        do {
            proof = try key.signature(for: Array(token.identity.utf8))
        } catch {
            throw SigningError(.certificateAuthority, "cannot make the proof of possession: \(error)")
        }
        let chain = try await FulcioClient(baseURL: authority.url, transport: transport)
            .signingCertificate(token: token, publicKeyPEM: key.publicKeyPEM, proofOfPossession: proof)
        let leaf = try await checkCertificate(chain[0], for: key, token: token)
        let signature: [UInt8]
        do {
            if let digest = prepared.artifactDigest {
                signature = try key.signature(digest: digest)
            } else {
                signature = try key.signature(for: prepared.messageToSign)
            }
        } catch {
            throw SigningError(.key, "signing failed: \(error)")
        }
        let fulcio = FulcioCertificate(leaf)
        let certificateDER = BundleVerifier.der(leaf)
        return try await finish(
            prepared,
            signature: signature,
            verifier: RekorClient.Verifier(der: certificateDER, isCertificate: true, keyDetails: algorithm.keyDetails),
            material: ("certificate", ["rawBytes": .string(Data(certificateDER).base64EncodedString())]),
            policy: .identity(IdentityPolicy(identity: .exact(fulcio.identities[0]), issuer: fulcio.issuer!)),
            selection: selection
        )
    }

    /// Checks the certificate Fulcio issued before anything is signed under it: for `key`,
    /// chaining to a trusted authority with a valid SCT, and for the token's issuer and email.
    private func checkCertificate(_ leaf: Certificate, for key: EphemeralKey, token: IdentityToken) async throws(SigningError)
        -> Certificate
    {
        guard VerificationKey.spkiDER(leaf.publicKey) == VerificationKey.spkiDER(key.publicKey) else {
            throw SigningError(.certificateAuthority, "the certificate is for another key than the one sent")
        }
        do {
            // The time after the answer: the certificate is issued from when the authority answered.
            try await rootVerifier.verifySigningCertificate(leaf, at: clock())
        } catch {
            throw SigningError(.certificateAuthority, error)
        }
        let fulcio = FulcioCertificate(leaf)
        guard !fulcio.identities.isEmpty, let issuer = fulcio.issuer else {
            throw SigningError(.certificateAuthority, "the certificate names no identity or no OIDC issuer")
        }
        // A trusted authority may still answer for someone else: the certificate must be for
        // the token's issuer and, when the token names an email address, for that address.
        guard UTF8Name.sameBytes(issuer, token.issuer) else {
            throw SigningError(.certificateAuthority, "the certificate names the OIDC issuer \(issuer), not the token's \(token.issuer)")
        }
        if let email = token.email, !fulcio.identities.contains(where: { UTF8Name.sameBytes($0, email) }) {
            throw SigningError(
                .certificateAuthority,
                "the certificate is for \(fulcio.identities.joined(separator: ", ")), not the token's \(email)"
            )
        }
        return leaf
    }

    /// Signs `content` with a managed key (an encrypted key file, a PKCS#11 token, a key in
    /// memory). The bundle names the key by a hint: the hex SHA-256 of its SubjectPublicKeyInfo.
    /// ECDSA P-256, P-384 and P-521, Ed25519, and RSA (PKCS#1 v1.5 or PSS, 2048, 3072 or 4096
    /// bits, SHA-256) keys are supported; the digest the bundle records follows the key's hash.
    public func sign(_ content: Content, with signer: any TUF.Signer) async throws(SigningError) -> SignedBundle {
        let now = clock()
        let selection = try services(at: now, keyless: false)
        let (keyDER, keyDetails) = try Self.managedKey(signer.publicKey)
        let verificationKey: VerificationKey
        do {
            verificationKey = try VerificationKey(der: keyDER, keyDetails: keyDetails)
        } catch {
            throw SigningError(.key, error)
        }
        if case .artifactDigest = content {
            throw SigningError(.input, "a managed key signs the artifact's bytes, not only its digest")
        }
        // A Rekor v1 log reads an RSA key alone as PKCS#1 v1.5 and refuses a PSS signature;
        // only a v2 log is told the scheme.
        if keyDetails.hasPrefix("PKIX_RSA_PSS"), let log = selection.transparencyLogs.first(where: { $0.majorAPIVersion == 1 }) {
            throw SigningError(
                .configuration,
                "\(log.url.absoluteString) is a Rekor v1 log, which checks RSA signatures as PKCS#1 v1.5: sign with PKCS#1 v1.5 or log to a Rekor v2 log"
            )
        }
        // A Rekor v2 entry records a digest, which pure Ed25519 cannot sign (Rekor v2 spec 6.1.4).
        if keyDetails == "PKIX_ED25519", let log = selection.transparencyLogs.first(where: { $0.majorAPIVersion == 2 }) {
            throw SigningError(
                .configuration,
                "\(log.url.absoluteString) is a Rekor v2 log, whose entries record a digest that an Ed25519 key cannot sign: log to a Rekor v1 log or use an ECDSA or RSA key"
            )
        }
        let prepared = try Prepared(content, hash: verificationKey.hash ?? .sha256)
        let signature: [UInt8]
        do {
            signature = try signer.sign(prepared.messageToSign)
        } catch {
            throw SigningError(.key, "signing failed: \(error)")
        }
        return try await finish(
            prepared,
            signature: signature,
            verifier: RekorClient.Verifier(der: keyDER, isCertificate: false, keyDetails: keyDetails),
            material: ("publicKey", ["hint": .string(Hex.encode(SHA256.hash(data: keyDER)))]),
            policy: .key(verificationKey),
            selection: selection
        )
    }

    private func services(at now: Date, keyless: Bool) throws(SigningError) -> SigningConfig.Selection {
        let selection = try signingConfig.select(at: now, needsCertificateAuthority: keyless)
        if selection.timestampAuthorities.isEmpty, let log = selection.transparencyLogs.first(where: { $0.majorAPIVersion == 2 }) {
            throw SigningError(
                .configuration,
                "\(log.url.absoluteString) is a Rekor v2 log, which signs no time: the signing config needs a timestamp authority"
            )
        }
        return selection
    }

    /// Logs and timestamps the signature, writes the bundle, and verifies it.
    private func finish(
        _ prepared: Prepared,
        signature: [UInt8],
        verifier: RekorClient.Verifier,
        material: (name: String, value: JSONValue),
        policy: BundleVerifier.Policy,
        selection: SigningConfig.Selection
    ) async throws(SigningError) -> SignedBundle {
        let entry: RekorClient.Entry
        let content: (name: String, value: JSONValue)
        switch prepared.content {
        case .artifact, .artifactDigest:
            let digest = prepared.artifactDigest!
            entry = .messageSignature(digest: digest, hash: prepared.hash, signature: signature)
            content = (
                "messageSignature",
                [
                    "messageDigest": ["algorithm": .string(prepared.hash.rawValue), "digest": .string(Data(digest).base64EncodedString())],
                    "signature": .string(Data(signature).base64EncodedString()),
                ]
            )
        case .inTotoStatement(let statement):
            let envelope = DSSEEnvelope(
                payload: statement,
                payloadType: InTotoStatement.payloadType,
                signatures: [DSSEEnvelope.Signature(signature: signature, keyID: "")]
            )
            entry = .envelope(envelope, hash: prepared.hash)
            content = ("dsseEnvelope", envelope.json)
        }
        var entries: [JSONValue] = []
        for log in selection.transparencyLogs {
            let logged = try await RekorClient(baseURL: log.url, majorVersion: log.majorAPIVersion, transport: transport)
                .submit(entry, verifier: verifier)
            entries.append(logged.json)
        }
        var timestamps: [JSONValue] = []
        for authority in selection.timestampAuthorities {
            let response = try await TimestampAuthorityClient(url: authority.url, transport: transport).timestamp(signature)
            timestamps.append(["signedTimestamp": .string(Data(response).base64EncodedString())])
        }
        var verificationMaterial = JSONObject()
        verificationMaterial[material.name] = material.value
        verificationMaterial["tlogEntries"] = .array(entries)
        if !timestamps.isEmpty { verificationMaterial["timestampVerificationData"] = ["rfc3161Timestamps": .array(timestamps)] }
        var bundleObject = JSONObject()
        bundleObject["mediaType"] = "application/vnd.dev.sigstore.bundle.v0.3+json"
        bundleObject["verificationMaterial"] = .object(verificationMaterial)
        bundleObject[content.name] = content.value
        let bytes = JSONWriter.prettyPrinted(.object(bundleObject))

        // The bytes about to be written are what is verified, as any verifier will read them.
        do {
            let bundle = try SigstoreBundle(bytes: bytes)
            var bundleVerifier = rootVerifier
            // Everything the services returned must be there and verify.
            bundleVerifier.thresholds.transparencyLogEntries = entries.count
            bundleVerifier.thresholds.timestamps = timestamps.count
            // The time after the services answered: a slow round trip must not make the log's
            // integration time look like the future.
            let result = try await bundleVerifier.verify(bundle, artifact: prepared.artifact, policy: policy, now: clock())
            return SignedBundle(bytes: bytes, bundle: bundle, result: result)
        } catch {
            throw SigningError(.verification, "the bundle the services' answers make does not verify: \(error)")
        }
    }

    /// The DER SubjectPublicKeyInfo and protobuf-specs scheme name of a managed key.
    static func managedKey(_ key: Key) throws(SigningError) -> (der: [UInt8], keyDetails: String) {
        func pemKey<K>(_ name: String, _ parse: ([UInt8]) throws -> K) throws(SigningError) -> [UInt8] {
            guard let block = PEM.decode(key.publicValue), (try? parse(block.der)) != nil else {
                throw SigningError(.key, "the key's public value is not \(name) public key in PEM")
            }
            return block.der
        }
        switch (key.keyType, key.scheme) {
        case ("ecdsa", "ecdsa-sha2-nistp256"), ("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256"):
            return (try pemKey("a P-256", P256.Signing.PublicKey.init(derRepresentation:)), "PKIX_ECDSA_P256_SHA_256")
        case ("ecdsa", "ecdsa-sha2-nistp384"), ("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384"):
            return (try pemKey("a P-384", P384.Signing.PublicKey.init(derRepresentation:)), "PKIX_ECDSA_P384_SHA_384")
        case ("ecdsa", "ecdsa-sha2-nistp521"), ("ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521"):
            return (try pemKey("a P-521", P521.Signing.PublicKey.init(derRepresentation:)), "PKIX_ECDSA_P521_SHA_512")
        case ("ed25519", "ed25519"):
            guard let raw = Hex.decode(key.publicValue), let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
                throw SigningError(.key, "the key's public value is not an Ed25519 key in hex")
            }
            return (VerificationKey.spkiDER(Certificate.PublicKey(publicKey)), "PKIX_ED25519")
        case ("rsa", "rsassa-pss-sha256"), ("rsa", "rsa-pkcs1v15-sha256"):
            let der = try pemKey("an RSA", _RSA.Signing.PublicKey.init(derRepresentation:))
            let bits = (try? _RSA.Signing.PublicKey(derRepresentation: der).keySizeInBits) ?? 0
            guard [2048, 3072, 4096].contains(bits) else {
                throw SigningError(.key, "an RSA key of \(bits) bits cannot sign bundles; Sigstore's schemes take 2048, 3072 or 4096")
            }
            let padding = key.scheme == "rsassa-pss-sha256" ? "PSS" : "PKCS1V15"
            return (der, "PKIX_RSA_\(padding)_\(bits)_SHA256")
        default:
            throw SigningError(
                .key,
                "\(key.keyType)/\(key.scheme) keys cannot sign bundles here; use ECDSA P-256, P-384 or P-521, Ed25519, or RSA with SHA-256"
            )
        }
    }
}

/// A signed bundle: the bytes to write, and what verifying them established.
public struct SignedBundle: Sendable {
    /// The bundle's JSON, exactly as verified.
    public let bytes: [UInt8]
    /// The bundle, parsed.
    public let bundle: SigstoreBundle
    /// What verification established (times, checks).
    public let result: BundleVerifier.Result
}

/// What is about to be signed, checked before any service is asked.
struct Prepared {
    let content: BundleSigner.Content
    /// The hash the signing key's algorithm prescribes: what the bundle's message digest and a
    /// Rekor v2 entry record.
    let hash: VerificationKey.Hash
    /// The bytes the key signs: the artifact, or the envelope's pre-authentication encoding.
    let messageToSign: [UInt8]
    /// What the finished bundle is verified against.
    let artifact: BundleVerifier.Artifact
    /// The artifact's digest under ``hash``, for message signatures.
    let artifactDigest: [UInt8]?

    init(_ content: BundleSigner.Content, hash: VerificationKey.Hash) throws(SigningError) {
        self.content = content
        self.hash = hash
        switch content {
        case .artifact(let bytes):
            messageToSign = bytes
            artifact = .bytes(bytes)
            artifactDigest = hash.digest(bytes)
        case .artifactDigest(let digestHash, let digest):
            guard digestHash == hash else {
                throw SigningError(.input, "the key signs \(hash.shortName) digests, not the \(digestHash.shortName) digest given")
            }
            guard digest.count == hash.length else {
                throw SigningError(.input, "a \(hash.shortName) digest is \(hash.length) bytes, not \(digest.count)")
            }
            messageToSign = []
            artifact = BundleVerifier.Artifact(hash, digest)
            artifactDigest = digest
        case .inTotoStatement(let statement):
            artifact = try Self.subject(ofStatement: statement)
            messageToSign =
                DSSEEnvelope(payload: statement, payloadType: InTotoStatement.payloadType, signatures: []).preAuthenticationEncoding
            artifactDigest = nil
        }
    }

    /// The artifact an in-toto statement is about: the first subject with a SHA-256 digest,
    /// after checking that the statement is one.
    static func subject(ofStatement statement: [UInt8]) throws(SigningError) -> BundleVerifier.Artifact {
        guard case .object(let object)? = try? JSONParser().parse(statement) else {
            throw SigningError(.input, "the in-toto statement is not a JSON object")
        }
        guard let type = object["_type"]?.stringValue, InTotoStatement.statementTypes.contains(type) else {
            throw SigningError(.input, "the statement's _type is not an in-toto statement type")
        }
        guard object["predicateType"]?.stringValue != nil else {
            throw SigningError(.input, "the statement has no predicateType")
        }
        guard case .array(let subjects)? = object["subject"], !subjects.isEmpty else {
            throw SigningError(.input, "the statement has no subjects")
        }
        let digest = subjects.lazy.compactMap { subject -> [UInt8]? in
            guard case .object(let subjectObject) = subject, case .object(let digests)? = subjectObject["digest"],
                let hex = digests["sha256"]?.stringValue, let bytes = Hex.decode(hex), bytes.count == 32
            else { return nil }
            return bytes
        }.first
        guard let digest else { throw SigningError(.input, "no subject of the statement has a sha256 digest") }
        return .sha256(digest)
    }
}
