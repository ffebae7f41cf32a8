import Crypto
import Foundation
import NetworkTransport
import OCI
import Plumbing
import Sigstore
import SigstoreSigning
import TUF
import TestSupport
import Testing

@testable import ContainerImage

/// Images in real registries on loopback, Debian's docker-registry (no referrers API: the tag
/// schema's fallback index) and an in-memory registry with the referrers API, signed keyless
/// through the loopback Sigstore services and verified: each bundle against the resolved digest,
/// and each way a referrer can lie refused with its reason.
@Suite("Image signatures")
final class ImageSignatureTests {
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case distribution, referrersAPI
        var testDescription: String { rawValue }
    }

    let services: TestSigstoreServices
    let trustedRoot: TrustedRoot
    var distribution: TestRegistry?
    var inMemory: TestOCIRegistry?

    init() throws {
        services = try TestSigstoreServices()
        trustedRoot = try TrustedRoot(bytes: services.trustedRoot())
    }

    func host(_ kind: Kind) throws -> String {
        switch kind {
        case .distribution:
            if distribution == nil { distribution = try TestRegistry() }
            return distribution!.host
        case .referrersAPI:
            if inMemory == nil { inMemory = try TestOCIRegistry() }
            return inMemory!.host
        }
    }

    func client(_ host: String) throws -> RegistryClient {
        try RegistryClient(registry: host, transport: HTTPClientTransport(idleTimeout: 10, transferTimeout: 30, environment: [:]))
    }

    /// Pushes a small image to `repository:tag`; returns its reference.
    func pushImage(_ host: String, _ repository: String, tag: String, layer: String) async throws -> ImageReference {
        let client = try client(host)
        let config = Array(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        let layerBytes = Array(layer.utf8)
        _ = try await client.pushBlob(repository, config)
        _ = try await client.pushBlob(repository, layerBytes)
        let manifest = OCIManifest.imageManifestBytes(
            config: OCIDescriptor(of: config, mediaType: "application/vnd.oci.image.config.v1+json"),
            layers: [OCIDescriptor(of: layerBytes, mediaType: "application/vnd.oci.image.layer.v1.tar")]
        )
        _ = try await client.pushManifest(repository, manifest, mediaType: OCIManifest.imageManifest, reference: tag)
        return try ImageReference("\(host)/\(repository):\(tag)")
    }

    /// Signs `image` keyless and attaches the bundle to `target` (the image itself unless given).
    func sign(_ image: ImageReference, attachingTo target: ImageReference? = nil) async throws -> OCIDigest {
        let registry = try client(image.registry)
        let imageSigner = ImageSigner(registry: registry)
        let (digest, _) = try await imageSigner.subject(of: image)
        let (_, subject) = try await imageSigner.subject(of: target ?? image)
        let statement = ImageBundleFormat.statement(for: image, digest: digest, predicateType: ImageBundleFormat.signPredicateType)
        let signer = BundleSigner(
            trustedRoot: trustedRoot,
            signingConfig: try SigningConfig(bytes: services.signingConfig()),
            transport: HTTPClientTransport(idleTimeout: 30, transferTimeout: 60, environment: [:])
        )
        let signed = try await signer.signKeyless(.inTotoStatement(statement), token: try IdentityToken(services.identityToken()))
        return try await imageSigner.attach(
            signed.bytes,
            to: subject,
            in: (target ?? image).repository,
            predicateType: ImageBundleFormat.signPredicateType
        )
    }

    func verifier(_ host: String, identity: String = TestInstance.identity, maximumBundles: Int = 64) throws -> ImageVerifier {
        let policy = BundleVerifier.Policy.identity(IdentityPolicy(identity: .exact(identity), issuer: services.issuerURL))
        let run = VerificationRun(
            verifier: SignedEntityVerifier(trustedMaterial: trustedRoot),
            policy: policy,
            predicateType: ImageBundleFormat.signPredicateType
        )
        return ImageVerifier(registry: try client(host), run: run, maximumBundles: maximumBundles)
    }

    @Test(arguments: Kind.allCases)
    func signsAndVerifiesAnImageByItsDigest(kind: Kind) async throws {
        let host = try host(kind)
        let image = try await pushImage(host, "demo/app", tag: "v1", layer: "layer one")
        let referrer = try await sign(image)
        let report = try await verifier(host).verify(image)
        #expect(report.outcomes.map(\.referrer) == [referrer])
        let failures = report.outcomes.compactMap(\.failure)
        #expect(report.outcomes.allSatisfy { $0.isVerified }, "\(failures)")
        let pinned = try await verifier(host).verify(image.pinned(to: report.digest))
        #expect(pinned.outcomes.filter(\.isVerified).count == 1)

        let other = try await verifier(host, identity: "someone@example.com").verify(image)
        #expect(other.outcomes.count == 1 && !other.outcomes[0].isVerified)
        #expect(other.outcomes[0].failure?.contains("identity") == true, "\(other.outcomes[0].failure ?? "")")

        if kind == .referrersAPI, let registry = inMemory {
            // Resolve, the referrers index, the referrer manifest and the bundle blob.
            let before = registry.requests
            _ = try await verifier(host).verify(image)
            #expect(registry.requests - before == 4)
        }
    }

    /// An image signed again and again (each release pipeline run adds one): every signature
    /// stays listed, in the fallback index too, and each verifies. Enough requests that a
    /// registry whose log went to a full pipe would have stopped answering.
    @Test(arguments: Kind.allCases)
    func everySignatureOfAnImageSignedManyTimesIsListedAndVerifies(kind: Kind) async throws {
        let host = try host(kind)
        let image = try await pushImage(host, "demo/many", tag: "v1", layer: "signed many times")
        var referrers: [OCIDigest] = []
        for _ in 0..<40 { referrers.append(try await sign(image)) }
        let report = try await verifier(host).verify(image)
        #expect(Set(report.outcomes.map(\.referrer)) == Set(referrers))
        #expect(report.outcomes.count == 40 && report.outcomes.allSatisfy(\.isVerified), "\(report.outcomes.compactMap(\.failure))")
        #expect(report.unchecked == 0)

        // A verifier checking fewer says how many it left; they are not counted as verified.
        let bounded = try verifier(host, maximumBundles: 25)
        let partial = try await bounded.verify(image)
        #expect(partial.outcomes.count == 25 && partial.unchecked == 15)
    }

    /// An index of two platforms' images: a signature on one platform's image is found through
    /// the index with that platform, not for the index itself or the other platform, and a
    /// platform the index does not list is refused.
    @Test(arguments: Kind.allCases)
    func signsAndVerifiesOnePlatformOfAnIndex(kind: Kind) async throws {
        let host = try host(kind)
        let client = try client(host)
        var entries: [OCIDescriptor] = []
        for (tag, platform) in [("amd64", "linux/amd64"), ("arm64", "linux/arm64/v8")] {
            let image = try await pushImage(host, "demo/multi", tag: tag, layer: "layer for \(platform)")
            let (digest, manifest) = try await client.resolve(image)
            entries.append(
                OCIDescriptor(mediaType: manifest.mediaType, digest: digest, size: Int64(manifest.bytes.count), platform: platform)
            )
        }
        _ = try await client.pushManifest(
            "demo/multi",
            OCIManifest.imageIndexBytes(entries),
            mediaType: OCIManifest.imageIndex,
            reference: "v1"
        )
        let index = try ImageReference("\(host)/demo/multi:v1")
        let arm = try OCIPlatform("linux/arm64")
        let (armDigest, _) = try await client.resolve(index, platform: arm)
        #expect(armDigest == entries[1].digest)

        let registry = try self.client(host)
        let signer = ImageSigner(registry: registry)
        let (digest, subject) = try await signer.subject(of: index, platform: arm)
        #expect(digest == entries[1].digest && subject.digest == digest)
        let statement = ImageBundleFormat.statement(for: index, digest: digest, predicateType: ImageBundleFormat.signPredicateType)
        let bundleSigner = BundleSigner(
            trustedRoot: trustedRoot,
            signingConfig: try SigningConfig(bytes: services.signingConfig()),
            transport: HTTPClientTransport(idleTimeout: 30, transferTimeout: 60, environment: [:])
        )
        let signed = try await bundleSigner.signKeyless(.inTotoStatement(statement), token: try IdentityToken(services.identityToken()))
        _ = try await signer.attach(signed.bytes, to: subject, in: "demo/multi", predicateType: ImageBundleFormat.signPredicateType)

        let forArm = try await verifier(host).verify(index, platform: try OCIPlatform("linux/arm64/v8"))
        #expect(forArm.digest == entries[1].digest && forArm.outcomes.filter(\.isVerified).count == 1)
        let forIndex = try await verifier(host).verify(index)
        #expect(forIndex.outcomes.filter(\.isVerified).isEmpty)
        let forAMD = try await verifier(host).verify(index, platform: try OCIPlatform("linux/amd64"))
        #expect(forAMD.digest == entries[0].digest && forAMD.outcomes.filter(\.isVerified).isEmpty)
        await #expect(
            throws: OCIError(
                .notFound,
                "the index lists no image for linux/s390x (it lists linux/amd64, linux/arm64/v8)",
                at: "\(host)/demo/multi@\(forIndex.digest)"
            )
        ) {
            _ = try await self.verifier(host).verify(index, platform: try OCIPlatform("linux/s390x"))
        }
        await #expect(throws: OCIError.self) {
            _ = try await self.verifier(host).verify(try ImageReference("\(host)/demo/multi:amd64"), platform: arm)
        }
        #expect(throws: OCIError.self) { try OCIPlatform("linux") }
        #expect(throws: OCIError.self) { try OCIPlatform("Linux/AMD64") }
    }

    /// An index is saved whole only within bounds: one listing more images than the layout
    /// copies, or listing another index, is refused before any image is copied.
    @Test func savingAnIndexIsBounded() async throws {
        let host = try host(.referrersAPI)
        let client = try client(host)
        let image = try await pushImage(host, "demo/bounded", tag: "one", layer: "one")
        let (digest, manifest) = try await client.resolve(image)
        let entry = OCIDescriptor(mediaType: manifest.mediaType, digest: digest, size: Int64(manifest.bytes.count), platform: "linux/amd64")
        let tooMany = OCIManifest.imageIndexBytes(Array(repeating: entry, count: ImageLayout.maximumIndexEntries + 1))
        _ = try await client.pushManifest("demo/bounded", tooMany, mediaType: OCIManifest.imageIndex, reference: "many")
        let inner = OCIManifest.imageIndexBytes([entry])
        let innerDigest = try await client.pushManifest("demo/bounded", inner, mediaType: OCIManifest.imageIndex, reference: "inner")
        // The image comes first: it is not copied either, as the index after it is refused.
        let outer = OCIManifest.imageIndexBytes([
            entry, OCIDescriptor(mediaType: OCIManifest.imageIndex, digest: innerDigest, size: Int64(inner.count), platform: "linux/arm64"),
        ])
        _ = try await client.pushManifest("demo/bounded", outer, mediaType: OCIManifest.imageIndex, reference: "nested")
        let folder = try TemporaryDirectory()
        for (tag, reason) in [("many", "more than the \(ImageLayout.maximumIndexEntries) saved whole"), ("nested", "lists another index")] {
            let layout = ImageLayout(path: folder.file(tag).path)
            await #expect {
                try await layout.save(try ImageReference("\(host)/demo/bounded:\(tag)"), from: client, repository: "demo/bounded")
            } throws: { error in
                "\(error)".contains(reason)
            }
            #expect(!FileManager.default.fileExists(atPath: folder.file("\(tag)/index.json").path))
            let blobs = (try? FileManager.default.contentsOfDirectory(atPath: folder.file("\(tag)/blobs/sha256").path)) ?? []
            #expect(blobs.isEmpty, "\(tag): \(blobs)")
        }
    }

    /// An index whose second image claims a layer of Int64.max bytes is refused when that layer
    /// is read, with no arithmetic on the size trapping, and the layout's index is not written.
    @Test func savingAnIndexRefusesAnImpossibleBlobSize() async throws {
        let folder = try TemporaryDirectory()
        let source = folder.file("source")
        let (_, images) = try TestImageLayout.writeIndex(to: source, tag: "v1", platforms: ["linux/amd64"])
        let blobs = source.appendingPathComponent("blobs/sha256")
        func store(_ bytes: [UInt8]) throws -> String {
            let hex = Hex.encode(SHA256.hash(data: bytes))
            try Data(bytes).write(to: blobs.appendingPathComponent(hex))
            return "sha256:" + hex
        }
        let good = try #require(images["linux/amd64"])
        let goodBytes = try Array(Data(contentsOf: blobs.appendingPathComponent(String(good.dropFirst(7)))))
        guard case .object(var lying) = try JSONParser().parse(goodBytes), case .array(var layers) = lying["layers"],
            case .object(var layer) = layers[0]
        else {
            Issue.record("the test layout's image manifest has no layer")
            return
        }
        layer["size"] = .integer(Int64.max)
        layers[0] = .object(layer)
        lying["layers"] = .array(layers)
        let lyingBytes = CanonicalJSON.encode(.object(lying))
        let lyingDigest = try store(lyingBytes)
        let manifestType = "application/vnd.oci.image.manifest.v1+json"
        let index: JSONValue = [
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                [
                    "mediaType": .string(manifestType), "digest": .string(good), "size": .integer(Int64(goodBytes.count)),
                    "platform": ["os": "linux", "architecture": "amd64"],
                ],
                [
                    "mediaType": .string(manifestType), "digest": .string(lyingDigest), "size": .integer(Int64(lyingBytes.count)),
                    "platform": ["os": "linux", "architecture": "arm64"],
                ],
            ],
        ]
        let indexBytes = CanonicalJSON.encode(index)
        let indexDigest = try store(indexBytes)
        let tagged: JSONValue = [
            "schemaVersion": 2,
            "manifests": [
                [
                    "mediaType": "application/vnd.oci.image.index.v1+json", "digest": .string(indexDigest),
                    "size": .integer(Int64(indexBytes.count)), "annotations": ["org.opencontainers.image.ref.name": "v1"],
                ]
            ],
        ]
        try Data(CanonicalJSON.encode(tagged)).write(to: source.appendingPathComponent("index.json"))
        let copy = ImageLayout(path: folder.file("copy").path)
        await #expect {
            try await copy.save(
                ImageReference(registry: ImageReference.layoutRegistry, repository: source.path, tag: "v1", digest: nil),
                from: ImageLayout(path: source.path),
                repository: "app"
            )
        } throws: { error in
            "\(error)".contains("\(Int64.max)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("copy/index.json").path))
    }

    /// The tag is resolved once: a registry that moves it to a signed image right after the
    /// resolve does not get that image's signatures counted for the one resolved, and the next
    /// verification reports the new digest.
    @Test func aTagMovedAfterTheResolveIsNotFollowed() async throws {
        let host = try host(.referrersAPI)
        let unsigned = try await pushImage(host, "demo/moving", tag: "v1", layer: "the image resolved")
        let signedImage = try await pushImage(host, "demo/moving", tag: "other", layer: "the image the tag moves to")
        _ = try await sign(signedImage)
        let (unsignedDigest, _) = try await client(host).resolve(unsigned)
        let (signedDigest, _) = try await client(host).resolve(signedImage)
        try #require(inMemory).moveTag("v1", in: "demo/moving", to: signedDigest.description)
        let first = try await verifier(host).verify(unsigned)
        #expect(first.digest == unsignedDigest)
        #expect(first.outcomes.filter(\.isVerified).isEmpty)
        let second = try await verifier(host).verify(unsigned)
        #expect(second.digest == signedDigest && second.outcomes.filter(\.isVerified).count == 1)
    }

    @Test(arguments: Kind.allCases)
    func refusesABundleForAnotherImage(kind: Kind) async throws {
        let host = try host(kind)
        let image = try await pushImage(host, "demo/first", tag: "v1", layer: "first")
        let other = try await pushImage(host, "demo/first", tag: "v2", layer: "second")
        _ = try await sign(other, attachingTo: image)
        let report = try await verifier(host).verify(image)
        #expect(report.outcomes.count == 1)
        #expect(!report.outcomes[0].isVerified)
        #expect(report.outcomes[0].report?.isVerified == false, "\(report.outcomes[0].failure ?? "")")
    }

    @Test func refusesAReferrerOfAnotherImageListedInTheFallbackIndex() async throws {
        let host = try host(.distribution)
        let image = try await pushImage(host, "demo/listed", tag: "v1", layer: "one")
        let other = try await pushImage(host, "demo/listed", tag: "v2", layer: "two")
        let referrer = try await sign(other)
        // The fallback index of `image` lists `other`'s referrer.
        let registry = try client(host)
        let (imageDigest, _) = try await registry.resolve(image)
        let listed = try await registry.referrers("demo/listed", of: try await registry.resolve(other).digest, artifactType: nil)
        try await registry.addFallbackReferrer("demo/listed", subject: imageDigest, try #require(listed.first { $0.digest == referrer }))
        let report = try await verifier(host).verify(image)
        #expect(report.outcomes.count == 1)
        #expect(report.outcomes[0].failure?.contains("refers to") == true, "\(report.outcomes[0].failure ?? "")")
    }

    /// Pushes a signature in cosign's legacy layout for `digest` (the payload naming `named`,
    /// the digest itself unless given) under the `sha256-HEX.sig` tag, its layer listed `copies` times.
    func pushLegacySignature(
        _ host: String,
        _ repository: String,
        for digest: OCIDigest,
        naming named: OCIDigest? = nil,
        copies: Int = 1
    ) async throws {
        let instance = services.instance
        let key = P256.Signing.PrivateKey()
        let certificate = try instance.issue(to: .init(key.publicKey), issuer: services.issuerURL, at: instance.epoch)
        let der = TestInstance.der(certificate)
        let payload = CanonicalJSON.encode([
            "critical": [
                "identity": ["docker-reference": .string("\(host)/\(repository)")],
                "image": ["docker-manifest-digest": .string((named ?? digest).description)],
                "type": "cosign container image signature",
            ],
            "optional": .null,
        ])
        let signature = Array(try key.signature(for: payload).derRepresentation)
        let body = TestInstance.hashedRekordV1Entry(certificate: der, digest: Array(SHA256.hash(data: payload)), signature: signature)
        let index = instance.append(body)
        let integrated = Int64(instance.epoch.timeIntervalSince1970) + 1
        let set = try instance.signedEntryTimestamp(body: body, integratedTime: integrated, index: index)
        let promise: JSONValue = [
            "SignedEntryTimestamp": .string(Data(set).base64EncodedString()),
            "Payload": [
                "body": .string(Data(body).base64EncodedString()), "integratedTime": .integer(integrated), "logIndex": .integer(index),
                "logID": .string(Hex.encode(instance.logID)),
            ],
        ]
        let chain = [instance.intermediateCertificate, instance.rootCertificate].map {
            TestInstance.pem("CERTIFICATE", TestInstance.der($0))
        }
        let layer = OCIDescriptor(
            of: payload,
            mediaType: LegacyImageSignature.payloadMediaType,
            annotations: [
                "dev.cosignproject.cosign/signature": Data(signature).base64EncodedString(),
                "dev.sigstore.cosign/certificate": TestInstance.pem("CERTIFICATE", der),
                "dev.sigstore.cosign/chain": chain.joined(),
                "dev.sigstore.cosign/bundle": String(decoding: CanonicalJSON.encode(promise), as: UTF8.self),
            ]
        )
        let registry = try client(host)
        let config = Array(#"{"architecture":"","os":"","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        _ = try await registry.pushBlob(repository, config)
        _ = try await registry.pushBlob(repository, payload)
        let manifest = OCIManifest.imageManifestBytes(
            config: OCIDescriptor(of: config, mediaType: "application/vnd.oci.image.config.v1+json"),
            layers: Array(repeating: layer, count: copies)
        )
        _ = try await registry.pushManifest(
            repository,
            manifest,
            mediaType: OCIManifest.imageManifest,
            reference: LegacyImageSignature.tag(for: digest)
        )
    }

    @Test func verifiesASignatureInCosignsLegacyLayout() async throws {
        let host = try host(.distribution)
        let image = try await pushImage(host, "demo/legacy", tag: "v1", layer: "legacy")
        let (digest, _) = try await client(host).resolve(image)
        try await pushLegacySignature(host, "demo/legacy", for: digest)
        let report = try await verifier(host).verify(image)
        #expect(report.outcomes.count == 1)
        #expect(report.outcomes.first?.isLegacy == true)
        #expect(report.outcomes.first?.isVerified == true, "\(report.outcomes.first?.failure ?? "")")
        let other = try await verifier(host, identity: "someone@example.com").verify(image)
        #expect(other.outcomes.first?.isVerified == false)

        // A legacy signature whose payload names another image.
        let second = try await pushImage(host, "demo/legacy", tag: "v2", layer: "second")
        let (secondDigest, _) = try await client(host).resolve(second)
        try await pushLegacySignature(host, "demo/legacy", for: secondDigest, naming: digest)
        let misnamed = try await verifier(host).verify(second)
        #expect(misnamed.outcomes.first?.failure?.contains("names \(digest)") == true, "\(misnamed.outcomes.first?.failure ?? "")")

        // A `.sig` manifest listing more signatures than the verifier checks: the rest are counted.
        let third = try await pushImage(host, "demo/legacy", tag: "v3", layer: "third")
        let (thirdDigest, _) = try await client(host).resolve(third)
        try await pushLegacySignature(host, "demo/legacy", for: thirdDigest, copies: 3)
        let capped = try await verifier(host, maximumBundles: 2).verify(third)
        #expect(capped.outcomes.count == 2 && capped.outcomes.allSatisfy { $0.isLegacy && $0.isVerified })
        #expect(capped.unchecked == 1)
        #expect(try await verifier(host).verify(third).unchecked == 0)
    }

    @Test func refusesAManifestThatIsNotItsDigest() async throws {
        let host = try host(.distribution)
        let image = try await pushImage(host, "demo/pinned", tag: "v1", layer: "one")
        let wrong = image.pinned(to: OCIDigest(of: Array("another manifest".utf8)))
        await #expect {
            _ = try await self.verifier(host).verify(wrong)
        } throws: { error in
            (error as? OCIError)?.kind == .notFound || (error as? OCIError)?.kind == .malformed
        }
    }
}
