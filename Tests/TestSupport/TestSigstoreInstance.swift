import Crypto
import CryptoExtras
import Foundation
import Sigstore
import SwiftASN1
import TUF
import X509

/// A whole Sigstore instance in memory, for tests: a Fulcio-style CA (root and intermediate), a
/// CT log, a Rekor-style transparency log with a real Merkle tree, checkpoints and signed entry
/// timestamps, and an RFC 3161 timestamp authority. It issues certificates and writes bundles
/// (and the matching trusted root) exactly as the public services' formats have them, so tests
/// can build a valid bundle and change one thing.
public final class TestInstance {
    /// The CA root's key.
    public let rootKey = P384.Signing.PrivateKey()
    /// The issuing CA's key.
    public let intermediateKey = P384.Signing.PrivateKey()
    /// The CT log's key.
    public let ctKey = P256.Signing.PrivateKey()
    /// The transparency log's key.
    public let logKey = P256.Signing.PrivateKey()
    /// The TSA root's key.
    public let tsaRootKey = P384.Signing.PrivateKey()
    /// The TSA's signing key.
    public let tsaKey = P256.Signing.PrivateKey()
    /// The CA root.
    public let rootCertificate: Certificate
    /// The issuing CA.
    public let intermediateCertificate: Certificate
    /// The TSA root.
    public let tsaRootCertificate: Certificate
    /// The TSA's signing certificate.
    public let tsaCertificate: Certificate
    /// The log's leaves so far (entry bodies).
    public private(set) var leaves: [[UInt8]] = []
    /// The log's checkpoint origin.
    public let origin = "rekor.test.example - 1"
    /// The time the instance's certificates are built around.
    public let epoch = Date(timeIntervalSince1970: 1_700_000_000)

    /// The OIDC issuer certificates name.
    public static let issuerURL = "https://issuer.test.example"
    /// The identity certificates name.
    public static let identity = "https://github.com/example/project/.github/workflows/release.yml@refs/heads/main"

    /// A new instance with fresh keys.
    public init() throws {
        let rootName = try DistinguishedName {
            OrganizationName("trustroot test")
            CommonName("test fulcio root")
        }
        let intermediateName = try DistinguishedName {
            OrganizationName("trustroot test")
            CommonName("test fulcio intermediate")
        }
        let tsaRootName = try DistinguishedName { CommonName("test tsa root") }
        let tsaName = try DistinguishedName { CommonName("test tsa") }
        rootCertificate = try Self.authorityCertificate(
            rootName,
            .init(rootKey.publicKey),
            issuer: rootName,
            issuerKey: rootKey,
            epoch: epoch,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 1))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            }
        )
        intermediateCertificate = try Self.authorityCertificate(
            intermediateName,
            .init(intermediateKey.publicKey),
            issuer: rootName,
            issuerKey: rootKey,
            epoch: epoch,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                try ExtendedKeyUsage([.codeSigning])
            }
        )
        tsaRootCertificate = try Self.authorityCertificate(
            tsaRootName,
            .init(tsaRootKey.publicKey),
            issuer: tsaRootName,
            issuerKey: tsaRootKey,
            epoch: epoch,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true))
            }
        )
        tsaCertificate = try Self.authorityCertificate(
            tsaName,
            .init(tsaKey.publicKey),
            issuer: tsaRootName,
            issuerKey: tsaRootKey,
            epoch: epoch,
            extensions: try Certificate.Extensions {
                Critical(KeyUsage(digitalSignature: true))
                Critical(try ExtendedKeyUsage([.timeStamping]))
            }
        )
        // Other entries, so that inclusion proofs have a path to check.
        for index in 0..<6 { leaves.append(Array("earlier entry \(index)".utf8)) }
    }

    /// A certificate of the instance's own (CA, TSA), valid from a year before `epoch` for ten
    /// years, for `key` named `subject` and signed by `issuerKey`: `extensions`, then its subject
    /// key identifier and, unless it is self-signed, its issuer's.
    static func authorityCertificate(
        _ subject: DistinguishedName,
        _ publicKey: Certificate.PublicKey,
        issuer: DistinguishedName,
        issuerKey: P384.Signing.PrivateKey,
        epoch: Date,
        extensions: Certificate.Extensions
    ) throws -> Certificate {
        var all = Array(extensions) + [try SubjectKeyIdentifier(hash: publicKey).makeCertificateExtension()]
        if subject != issuer {
            let authority = SubjectKeyIdentifier(hash: Certificate.PublicKey(issuerKey.publicKey))
            all.append(try AuthorityKeyIdentifier(keyIdentifier: authority.keyIdentifier).makeCertificateExtension())
        }
        return try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: publicKey,
            notValidBefore: epoch.addingTimeInterval(-365 * 86_400),
            notValidAfter: epoch.addingTimeInterval(10 * 365 * 86_400),
            issuer: issuer,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA384,
            extensions: try Certificate.Extensions(all),
            issuerPrivateKey: .init(issuerKey)
        )
    }

    /// The DER of `certificate`.
    public static func der(_ certificate: Certificate) -> [UInt8] { BundleVerifier.der(certificate) }

    /// The DER SubjectPublicKeyInfo of `key`.
    public static func spki(_ key: Certificate.PublicKey) -> [UInt8] { VerificationKey.spkiDER(key) }

    /// The transparency log's id.
    public var logID: [UInt8] { Array(SHA256.hash(data: Self.spki(.init(logKey.publicKey)))) }
    /// The CT log's id.
    public var ctLogID: [UInt8] { Array(SHA256.hash(data: Self.spki(.init(ctKey.publicKey)))) }

    // MARK: - Trusted root

    /// The trusted root naming this instance's CA, logs and TSA.
    public func trustedRoot(logID overrideLogID: [UInt8]? = nil) -> [UInt8] {
        func b64(_ bytes: [UInt8]) -> JSONValue { .string(Data(bytes).base64EncodedString()) }
        let validity: JSONValue = ["start": .string(MetadataDate.format(epoch.addingTimeInterval(-365 * 86_400)))]
        func log(_ key: P256.Signing.PublicKey, _ id: [UInt8], _ url: String) -> JSONValue {
            [
                "baseUrl": .string(url), "hashAlgorithm": "SHA2_256",
                "publicKey": ["rawBytes": b64(Self.spki(.init(key))), "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": validity],
                "logId": ["keyId": b64(id)],
            ]
        }
        let root: JSONValue = [
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [log(logKey.publicKey, overrideLogID ?? logID, "https://rekor.test.example")],
            "ctlogs": [log(ctKey.publicKey, ctLogID, "https://ct.test.example")],
            "certificateAuthorities": [
                [
                    "subject": ["organization": "trustroot test", "commonName": "test fulcio"],
                    "uri": "https://fulcio.test.example",
                    "certChain": [
                        "certificates": [
                            ["rawBytes": b64(Self.der(intermediateCertificate))], ["rawBytes": b64(Self.der(rootCertificate))],
                        ]
                    ],
                    "validFor": validity,
                ]
            ],
            "timestampAuthorities": [
                [
                    "subject": ["organization": "trustroot test", "commonName": "test tsa"],
                    "uri": "https://tsa.test.example",
                    "certChain": [
                        "certificates": [["rawBytes": b64(Self.der(tsaCertificate))], ["rawBytes": b64(Self.der(tsaRootCertificate))]]
                    ],
                    "validFor": validity,
                ]
            ],
        ]
        return JSONWriter.prettyPrinted(root)
    }

    // MARK: - Fulcio and CT

    /// A signing certificate for `identity` from `issuer`, valid ten minutes from `time`, with
    /// an embedded SCT from the CT log (or `sctKey`, to make one the trusted root does not know),
    /// for a public key of any type the test signs with (P-256, or a ``LeafKey``).
    public func issue(
        to key: Certificate.PublicKey,
        identity: String = TestInstance.identity,
        issuer: String = TestInstance.issuerURL,
        at time: Date,
        signedBy signer: P384.Signing.PrivateKey? = nil,
        sctKey: P256.Signing.PrivateKey? = nil,
        editExtensions: ([Certificate.Extension]) throws -> [Certificate.Extension] = { $0 }
    ) throws -> Certificate {
        var issuerValue = DER.Serializer()
        try issuerValue.serialize(ASN1UTF8String(issuer))
        var keyUsage = try KeyUsage(digitalSignature: true).makeCertificateExtension()
        keyUsage.critical = true
        var names = try SubjectAlternativeNames([.uniformResourceIdentifier(identity)]).makeCertificateExtension()
        names.critical = true
        let authority = AuthorityKeyIdentifier(
            keyIdentifier: SubjectKeyIdentifier(hash: .init((signer ?? intermediateKey).publicKey)).keyIdentifier
        )
        let baseExtensions: [Certificate.Extension] = try editExtensions([
            keyUsage,
            try SubjectKeyIdentifier(hash: key).makeCertificateExtension(),
            try authority.makeCertificateExtension(),
            try ExtendedKeyUsage([.codeSigning]).makeCertificateExtension(),
            names,
            // Fulcio writes the issuer twice: raw (the older .1.1) and as a DER UTF8String (.1.8).
            Certificate.Extension(oid: FulcioCertificate.issuerV1, critical: false, value: ArraySlice(issuer.utf8)),
            Certificate.Extension(oid: FulcioCertificate.issuerV2, critical: false, value: issuerValue.serializedBytes[...]),
        ])
        let serial = Certificate.SerialNumber()
        func make(_ extensions: [Certificate.Extension]) throws -> Certificate {
            try Certificate(
                version: .v3,
                serialNumber: serial,
                publicKey: key,
                notValidBefore: time,
                notValidAfter: time.addingTimeInterval(600),
                issuer: intermediateCertificate.subject,
                subject: DistinguishedName(),
                signatureAlgorithm: .ecdsaWithSHA384,
                extensions: try Certificate.Extensions(extensions),
                issuerPrivateKey: .init(signer ?? intermediateKey)
            )
        }
        let precertificate = try make(baseExtensions)
        let tbs = Array(precertificate.tbsCertificateBytes)
        // The SCT (RFC 6962 3.2) over the precertificate entry.
        let timestamp = UInt64(time.timeIntervalSince1970 * 1000)
        let ctSigner = sctKey ?? ctKey
        var signed: [UInt8] = [0, 0] + withUnsafeBytes(of: timestamp.bigEndian, Array.init) + [0, 1]
        signed += Array(SHA256.hash(data: Self.spki(.init(intermediateKey.publicKey))))
        signed += [UInt8(tbs.count >> 16 & 0xff), UInt8(tbs.count >> 8 & 0xff), UInt8(tbs.count & 0xff)] + tbs + [0, 0]
        let signature = Array(try ctSigner.signature(for: signed).derRepresentation)
        var sct: [UInt8] = [0] + Array(SHA256.hash(data: Self.spki(.init(ctSigner.publicKey))))
        sct += withUnsafeBytes(of: timestamp.bigEndian, Array.init) + [0, 0, 4, 3]
        sct += [UInt8(signature.count >> 8), UInt8(signature.count & 0xff)] + signature
        let list: [UInt8] =
            [UInt8((sct.count + 2) >> 8), UInt8((sct.count + 2) & 0xff), UInt8(sct.count >> 8), UInt8(sct.count & 0xff)] + sct
        var octets = DER.Serializer()
        try octets.serialize(ASN1OctetString(contentBytes: list[...]))
        let sctExtension = Certificate.Extension(
            oid: SignedCertificateTimestamp.extensionOID,
            critical: false,
            value: octets.serializedBytes[...]
        )
        return try make(baseExtensions + [sctExtension])
    }

    // MARK: - Transparency log

    /// A Fulcio extension: OID 1.3.6.1.4.1.57264.1.`number` holding a DER UTF8String.
    public static func fulcioExtension(_ number: UInt, _ value: String) throws -> Certificate.Extension {
        var serializer = DER.Serializer()
        try serializer.serialize(ASN1UTF8String(value))
        return Certificate.Extension(oid: [1, 3, 6, 1, 4, 1, 57264, 1, number], critical: false, value: serializer.serializedBytes[...])
    }

    /// A certificate for `key` as Fulcio issues one to a GitHub Actions workflow: the build
    /// signer (9), source repository (12), commit (13), ref (14) and owner (16) extensions.
    public func issueForWorkflow(
        to key: P256.Signing.PrivateKey,
        repository: String,
        ref: String,
        commit: String,
        builder: String,
        at time: Date
    ) throws -> Certificate {
        try issue(to: .init(key.publicKey), identity: builder, at: time) { extensions in
            extensions + [
                try Self.fulcioExtension(9, builder), try Self.fulcioExtension(12, repository), try Self.fulcioExtension(13, commit),
                try Self.fulcioExtension(14, ref),
                try Self.fulcioExtension(16, String(repository[..<(repository.lastIndex(of: "/") ?? repository.endIndex)])),
            ]
        }
    }

    /// A Rekor v1 hashedrekord 0.0.1 body for a signature by the certificate `der` over an
    /// artifact of SHA-256 `digest`, as the log stores it (canonical JSON).
    public static func hashedRekordV1Entry(certificate der: [UInt8], digest: [UInt8], signature: [UInt8] = Array(repeating: 7, count: 70))
        -> [UInt8]
    {
        let pem = Array(pem("CERTIFICATE", der).utf8)
        let body: JSONValue = [
            "apiVersion": "0.0.1", "kind": "hashedrekord",
            "spec": [
                "data": ["hash": ["algorithm": "sha256", "value": .string(Hex.encode(digest))]],
                "signature": [
                    "content": .string(Data(signature).base64EncodedString()),
                    "publicKey": ["content": .string(Data(pem).base64EncodedString())],
                ],
            ],
        ]
        return CanonicalJSON.encode(body)
    }

    /// Appends `body` to the log; returns its index.
    public func append(_ body: [UInt8]) -> Int64 {
        leaves.append(body)
        return Int64(leaves.count - 1)
    }

    /// The Merkle tree of the log's entries so far.
    public var tree: TestMerkleTree { TestMerkleTree(leaves) }

    /// A checkpoint for the current tree, signed by `key` (the log's unless given).
    public func checkpoint(size: Int, rootHash: [UInt8], key: P256.Signing.PrivateKey? = nil, hint: [UInt8]? = nil) throws -> String {
        let text = "\(origin)\n\(size)\n\(Data(rootHash).base64EncodedString())\n"
        let signature = Array(try (key ?? logKey).signature(for: Array(text.utf8)).derRepresentation)
        let line = Data((hint ?? Array(logID.prefix(4))) + signature).base64EncodedString()
        return text + "\n\u{2014} rekor.test.example \(line)\n"
    }

    /// A signed entry timestamp over the entry, as Rekor v1 makes it.
    public func signedEntryTimestamp(body: [UInt8], integratedTime: Int64, index: Int64) throws -> [UInt8] {
        let payload: JSONValue = [
            "body": .string(Data(body).base64EncodedString()), "integratedTime": .integer(integratedTime),
            "logID": .string(Hex.encode(logID)), "logIndex": .integer(index),
        ]
        return Array(try logKey.signature(for: try RFC8785.encode(payload)).derRepresentation)
    }

    // MARK: - Timestamp authority

    /// An RFC 3161 timestamp response over `message` at `time`, signed by `key` (the TSA's unless given).
    public func timestamp(_ message: [UInt8], at time: Date, key: P256.Signing.PrivateKey? = nil, certificate: Certificate? = nil) throws
        -> [UInt8]
    {
        try timestamp(sha256: Array(SHA256.hash(data: message)), nonce: nil, at: time, key: key, certificate: certificate)
    }

    /// An RFC 3161 timestamp response over `digest` (a SHA-256 digest unless `imprintAlgorithm`
    /// names another hash by OID), repeating `nonce` (an INTEGER's content octets) when given.
    public func timestamp(
        sha256 digest: [UInt8],
        nonce: [UInt8]?,
        at time: Date,
        key: P256.Signing.PrivateKey? = nil,
        certificate: Certificate? = nil,
        imprintAlgorithm: String = "2.16.840.1.101.3.4.2.1"
    ) throws -> [UInt8] {
        func element(_ tag: UInt8, _ parts: [UInt8]...) -> [UInt8] { DEREncoding.element(tag, parts.flatMap { $0 }) }
        func oid(_ dotted: String) throws -> [UInt8] {
            var serializer = DER.Serializer()
            try serializer.serialize(try ASN1ObjectIdentifier(dotRepresentation: dotted))
            return serializer.serializedBytes
        }
        func integer(_ value: Int) throws -> [UInt8] {
            var serializer = DER.Serializer()
            try serializer.serialize(value)
            return serializer.serializedBytes
        }
        let sha256 = element(0x30, try oid("2.16.840.1.101.3.4.2.1"))
        let imprint = element(0x30, try oid(imprintAlgorithm))
        var timeSerializer = DER.Serializer()
        let components = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: time)
        try timeSerializer.serialize(
            try GeneralizedTime(
                year: components.year!,
                month: components.month!,
                day: components.day!,
                hours: components.hour!,
                minutes: components.minute!,
                seconds: components.second!,
                fractionalSeconds: 0
            )
        )
        let tstInfo = element(
            0x30,
            try integer(1),
            try oid("1.2.3.4.1"),
            element(0x30, imprint, element(0x04, digest)),
            try integer(42),
            timeSerializer.serializedBytes,
            nonce.map { element(0x02, $0) } ?? []
        )
        let signer = certificate ?? tsaCertificate
        let attributes = element(
            0xA0,
            element(0x30, try oid("1.2.840.113549.1.9.3"), element(0x31, try oid("1.2.840.113549.1.9.16.1.4"))),
            element(0x30, try oid("1.2.840.113549.1.9.4"), element(0x31, element(0x04, Array(SHA256.hash(data: tstInfo)))))
        )
        var signedAttributes = attributes
        signedAttributes[0] = 0x31
        let signature = Array(try (key ?? tsaKey).signature(for: signedAttributes).derRepresentation)
        var issuerSerializer = DER.Serializer()
        try issuerSerializer.serialize(signer.issuer)
        var serialSerializer = DER.Serializer()
        try serialSerializer.serialize(ArraySlice(signer.serialNumber.bytes))
        let signerInfo = element(
            0x30,
            try integer(1),
            element(0x30, issuerSerializer.serializedBytes, serialSerializer.serializedBytes),
            sha256,
            attributes,
            element(0x30, try oid("1.2.840.10045.4.3.2")),
            element(0x04, signature)
        )
        let signedData = element(
            0x30,
            try integer(3),
            element(0x31, sha256),
            element(0x30, try oid("1.2.840.113549.1.9.16.1.4"), element(0xA0, element(0x04, tstInfo))),
            element(0xA0, Self.der(signer)),
            element(0x31, signerInfo)
        )
        let token = element(0x30, try oid("1.2.840.113549.1.7.2"), element(0xA0, signedData))
        return element(0x30, element(0x30, try integer(0)), token)
    }

    // MARK: - Bundles

    /// What to build into a bundle, each part replaceable to make it wrong in one way.
    public struct Options {
        /// Options for a bundle made at `time`.
        public init(time: Date) { self.time = time }

        /// When the certificate is issued.
        public var time: Date
        /// Whether to sign a DSSE envelope around an in-toto statement.
        public var dsse = false
        /// A managed key instead of a certificate.
        public var managedKey: P256.Signing.PrivateKey?
        /// Whether to add an RFC 3161 timestamp.
        public var withTimestamp = false
        /// Whether the entry has a signed entry timestamp.
        public var withSET = true
        /// Whether the entry has an inclusion proof and checkpoint.
        public var withInclusionProof = true
        /// The integrated time (default: a second after `time`).
        public var integratedTime: Date?
        /// The certificate to use instead of a fresh one.
        public var certificate: Certificate?
        /// The statement's field naming its predicate type.
        public var predicateTypeField = "predicateType"
        /// With ``dsse``: the statement to sign in place of the default one (an SLSA v1 statement
        /// whose one subject, `artifact`, is the artifact).
        public var statement: JSONValue?
        /// The key that signs under ``certificate`` (default: a fresh one).
        public var signingKey: P256.Signing.PrivateKey?
        /// The signature to log and bundle instead of a real one.
        public var signatureOverride: [UInt8]?
        /// The identity of a fresh certificate.
        public var identity = TestInstance.identity
        /// The OIDC issuer of a fresh certificate.
        public var issuer = TestInstance.issuerURL
        /// The artifact the log records (default: the one signed).
        public var loggedArtifact: [UInt8]?
        /// The digests the in-toto statement's subject gives, by name, each of the logged
        /// artifact unless ``wrongSubjectDigests`` names it.
        public var subjectDigests = ["sha256"]
        /// Subject digests given as another artifact's.
        public var wrongSubjectDigests: Set<String> = []
        /// A leaf key of another curve, which signs under a fresh certificate instead of the
        /// P-256 signing key; its scheme's hash is the digest the entry and bundle record.
        public var leafKey: LeafKey?
        /// With ``withTimestamp``: one timestamp per entry, its message imprint by that hash.
        public var timestampImprints = ["sha256"]
    }

    /// A keyless signing key other than P-256 (which ``Options/signingKey`` covers): another
    /// curve, Ed25519, or RSA with PKCS#1 v1.5 and SHA-256 (how a verifier reads an RSA
    /// certificate key).
    public enum LeafKey: Sendable {
        case p384(P384.Signing.PrivateKey)
        case p521(P521.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)

        /// The public key, for a certificate.
        public var publicKey: Certificate.PublicKey {
            switch self {
            case .p384(let key): return Certificate.PublicKey(key.publicKey)
            case .p521(let key): return Certificate.PublicKey(key.publicKey)
            case .ed25519(let key): return Certificate.PublicKey(key.publicKey)
            case .rsa(let key): return Certificate.PublicKey(key.publicKey)
            }
        }

        /// The signature over `message` with the hash the key's scheme prescribes (DER for ECDSA).
        public func signature(for message: [UInt8]) throws -> [UInt8] {
            switch self {
            case .p384(let key): return Array(try key.signature(for: message).derRepresentation)
            case .p521(let key): return Array(try key.signature(for: message).derRepresentation)
            case .ed25519(let key): return Array(try key.signature(for: message))
            case .rsa(let key):
                return Array(try key.signature(for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5).rawRepresentation)
            }
        }

        /// The scheme's hash, as Rekor v1 (`sha384`) and protobuf-specs (`SHA2_384`) name it,
        /// and the digest of `bytes`.
        public func digest(_ bytes: [UInt8]) -> (rekor: String, proto: String, digest: [UInt8]) {
            switch self {
            case .p384: return ("sha384", "SHA2_384", Array(SHA384.hash(data: bytes)))
            case .p521: return ("sha512", "SHA2_512", Array(SHA512.hash(data: bytes)))
            case .ed25519, .rsa: return ("sha256", "SHA2_256", Array(SHA256.hash(data: bytes)))
            }
        }
    }

    /// The subject digest object `options` asks for, of `artifact`.
    static func subjectDigests(of artifact: [UInt8], _ options: Options) -> JSONValue {
        var object = JSONObject()
        for name in options.subjectDigests {
            let bytes = options.wrongSubjectDigests.contains(name) ? artifact + [0x0a] : artifact
            let digest: [UInt8]
            switch name {
            case "sha384": digest = Array(SHA384.hash(data: bytes))
            case "sha512": digest = Array(SHA512.hash(data: bytes))
            default: digest = Array(SHA256.hash(data: bytes))
            }
            object[name] = .string(Hex.encode(digest))
        }
        return .object(object)
    }

    /// A v0.3 bundle for `artifact`, signed with a fresh key under a fresh certificate (or
    /// `options.managedKey`), logged, and (optionally) timestamped.
    public func bundle(for artifact: [UInt8], _ options: Options) throws -> (bundle: JSONValue, signingKey: P256.Signing.PrivateKey) {
        let key = options.managedKey ?? options.signingKey ?? P256.Signing.PrivateKey()
        let certificate =
            options.managedKey == nil
            ? try options.certificate
                ?? issue(
                    to: options.leafKey?.publicKey ?? Certificate.PublicKey(key.publicKey),
                    identity: options.identity,
                    issuer: options.issuer,
                    at: options.time
                )
            : nil
        func sign(_ message: [UInt8]) throws -> [UInt8] {
            try options.leafKey?.signature(for: message) ?? Array(key.signature(for: message).derRepresentation)
        }
        func digest(_ bytes: [UInt8]) -> (rekor: String, proto: String, digest: [UInt8]) {
            options.leafKey?.digest(bytes) ?? ("sha256", "SHA2_256", Array(SHA256.hash(data: bytes)))
        }
        let loggedDigest = digest(options.loggedArtifact ?? artifact)
        let artifactDigest = digest(artifact)
        let verifier: JSONValue
        let verifierDER: [UInt8]
        if let certificate {
            verifierDER = Self.der(certificate)
            verifier = .string(Data(Self.pem("CERTIFICATE", verifierDER).utf8).base64EncodedString())
        } else {
            verifierDER = Self.spki(.init(key.publicKey))
            verifier = .string(Data(Self.pem("PUBLIC KEY", verifierDER).utf8).base64EncodedString())
        }
        let logged = options.loggedArtifact ?? artifact
        let signature: [UInt8]
        let body: JSONValue
        let content: (String, JSONValue)
        if options.dsse {
            let statement: JSONValue =
                options.statement
                ?? JSONValue([
                    "_type": "https://in-toto.io/Statement/v1",
                    "subject": [["name": "artifact", "digest": Self.subjectDigests(of: logged, options)]],
                    "predicateType": "https://slsa.dev/provenance/v1", "predicate": [:],
                ]).renaming("predicateType", to: options.predicateTypeField)
            let payload = JSONWriter.prettyPrinted(statement)
            let envelope = DSSEEnvelope(payload: payload, payloadType: "application/vnd.in-toto+json", signatures: [])
            signature = try options.signatureOverride ?? sign(envelope.preAuthenticationEncoding)
            body = [
                "apiVersion": "0.0.1", "kind": "dsse",
                "spec": [
                    "payloadHash": ["algorithm": "sha256", "value": .string(Hex.encode(SHA256.hash(data: payload)))],
                    "signatures": [["signature": .string(Data(signature).base64EncodedString()), "verifier": verifier]],
                ],
            ]
            content = (
                "dsseEnvelope",
                [
                    "payload": .string(Data(payload).base64EncodedString()), "payloadType": "application/vnd.in-toto+json",
                    "signatures": [["sig": .string(Data(signature).base64EncodedString()), "keyid": ""]],
                ]
            )
        } else {
            signature = try options.signatureOverride ?? sign(artifact)
            body = [
                "apiVersion": "0.0.1", "kind": "hashedrekord",
                "spec": [
                    "data": ["hash": ["algorithm": .string(loggedDigest.rekor), "value": .string(Hex.encode(loggedDigest.digest))]],
                    "signature": ["content": .string(Data(signature).base64EncodedString()), "publicKey": ["content": verifier]],
                ],
            ]
            content = (
                "messageSignature",
                [
                    "messageDigest": [
                        "algorithm": .string(artifactDigest.proto), "digest": .string(Data(artifactDigest.digest).base64EncodedString()),
                    ],
                    "signature": .string(Data(signature).base64EncodedString()),
                ]
            )
        }
        let bodyBytes = JSONWriter.prettyPrinted(body)
        let index = append(bodyBytes)
        let integrated = Int64((options.integratedTime ?? options.time.addingTimeInterval(1)).timeIntervalSince1970)
        var entry: JSONValue = [
            "logIndex": .string(String(index)), "logId": ["keyId": .string(Data(logID).base64EncodedString())],
            "kindVersion": ["kind": .string(options.dsse ? "dsse" : "hashedrekord"), "version": "0.0.1"],
            "integratedTime": .string(String(integrated)),
            "canonicalizedBody": .string(Data(bodyBytes).base64EncodedString()),
        ]
        if options.withSET {
            let set = try signedEntryTimestamp(body: bodyBytes, integratedTime: integrated, index: index)
            entry = entry.setting("inclusionPromise", ["signedEntryTimestamp": .string(Data(set).base64EncodedString())])
        }
        if options.withInclusionProof {
            let tree = tree
            let (size, root) = (tree.size, tree.rootHash)
            entry = entry.setting(
                "inclusionProof",
                [
                    "logIndex": .string(String(index)), "rootHash": .string(Data(root).base64EncodedString()),
                    "treeSize": .string(String(size)),
                    "hashes": .array(tree.auditPath(Int(index)).map { .string(Data($0).base64EncodedString()) }),
                    "checkpoint": ["envelope": .string(try checkpoint(size: size, rootHash: root))],
                ]
            )
        }
        var material: JSONValue = ["tlogEntries": [entry]]
        if let certificate {
            material = material.setting("certificate", ["rawBytes": .string(Data(Self.der(certificate)).base64EncodedString())])
        } else {
            material = material.setting("publicKey", ["hint": "test-key"])
        }
        if options.withTimestamp {
            let responses = try options.timestampImprints.map { name in
                let (oid, digest): (String, [UInt8]) =
                    switch name {
                    case "sha384": ("2.16.840.1.101.3.4.2.2", Array(SHA384.hash(data: signature)))
                    case "sha512": ("2.16.840.1.101.3.4.2.3", Array(SHA512.hash(data: signature)))
                    default: ("2.16.840.1.101.3.4.2.1", Array(SHA256.hash(data: signature)))
                    }
                return try timestamp(sha256: digest, nonce: nil, at: options.time.addingTimeInterval(2), imprintAlgorithm: oid)
            }
            material = material.setting(
                "timestampVerificationData",
                ["rfc3161Timestamps": .array(responses.map { ["signedTimestamp": .string(Data($0).base64EncodedString())] })]
            )
        }
        let bundle: JSONValue = ["mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "verificationMaterial": material]
        return (bundle.setting(content.0, content.1), key)
    }

    /// `der` as a PEM block labelled `label`.
    public static func pem(_ label: String, _ der: [UInt8]) -> String { PEM.encode(label: label, der: der) }
}

extension JSONValue {
    init(_ value: JSONValue) { self = value }

    /// The object with the member `name` renamed `newName`.
    public func renaming(_ name: String, to newName: String) -> JSONValue {
        guard name != newName, let value = objectValue?[name] else { return self }
        return setting(name, .null).removing(name).setting(newName, value)
    }

    /// The object without the member `name`.
    public func removing(_ name: String) -> JSONValue {
        guard var object = objectValue else { return self }
        object[name] = nil
        return .object(object)
    }

    /// The object with `name` set to `value`.
    public func setting(_ name: String, _ value: JSONValue) -> JSONValue {
        guard var object = objectValue else { return self }
        object[name] = value
        return .object(object)
    }

    /// The value at a path of member names and array indices.
    public func at(_ path: [Any]) -> JSONValue? {
        var current: JSONValue? = self
        for step in path {
            if let name = step as? String {
                current = current?.objectValue?[name]
            } else if let index = step as? Int {
                current = current?.arrayValue.flatMap { index < $0.count ? $0[index] : nil }
            }
        }
        return current
    }

    /// The value with the element at `path` replaced by `transform` of it.
    public func replacing(_ path: [Any], _ transform: (JSONValue) -> JSONValue) -> JSONValue {
        guard let step = path.first else { return transform(self) }
        let rest = Array(path.dropFirst())
        if let name = step as? String, var object = objectValue, let child = object[name] {
            object[name] = child.replacing(rest, transform)
            return .object(object)
        }
        if let index = step as? Int, var array = arrayValue, index < array.count {
            array[index] = array[index].replacing(rest, transform)
            return .array(array)
        }
        return self
    }
}
