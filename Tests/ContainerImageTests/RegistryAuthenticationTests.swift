import Foundation
import NetworkTransport
import Plumbing
import TestSupport
import Testing

@testable import OCI

/// A registry behind a bearer-token challenge: credentials from Docker's configuration get a
/// token, none or wrong ones are refused as unauthorized.
@Suite("Registry authentication")
struct RegistryAuthenticationTests {
    @Test func getsATokenWithTheDockerConfigsCredentials() async throws {
        let registry = try TestOCIRegistry(credentials: ("robot", "s3cret"))
        let config = try TemporaryDirectory()
        let auth = Data("robot:s3cret".utf8).base64EncodedString()
        try config.write("config.json", Array(#"{"auths": {"\#(registry.host)": {"auth": "\#(auth)"}}}"#.utf8))
        let credentials = try RegistryCredentials.fromDockerConfig(for: registry.host, environment: ["DOCKER_CONFIG": config.path])
        #expect(credentials == RegistryCredentials(username: "robot", secret: "s3cret"))
        let transport = HTTPClientTransport(idleTimeout: 10, transferTimeout: 30, environment: [:])
        let client = try RegistryClient(registry: registry.host, transport: transport, credentials: credentials)
        let digest = try await client.pushBlob("private/app", Array("blob".utf8))
        #expect(try await client.blob("private/app", digest: digest, size: 4) == Array("blob".utf8))

        try await expectRefusedWithoutTheCredentials(registry.host, transport, blob: digest, size: 4)
    }

    /// Credential helpers named by `credHelpers` (per registry) and `credsStore` (the rest), run
    /// from the environment's PATH: their answer is the credentials, a helper that knows none
    /// gives none, and one that writes without end is stopped at the limit and refused.
    @Test func credentialHelpersAnswerAndAreBounded() throws {
        let folder = try TemporaryDirectory()
        let helpers = folder.file("bin")
        try FileManager.default.createDirectory(at: helpers, withIntermediateDirectories: true)
        let scripts = [
            "good": #"read server; [ "$server" = "registry.example" ] && echo '{"Username": "robot", "Secret": "s3cret"}'"#,
            "unknown": "echo 'credentials not found in native keychain'; exit 1",
            "chatty": "exec yes '{\"Username\": \"robot\",'",
        ]
        for (name, body) in scripts {
            let path = helpers.appendingPathComponent("docker-credential-\(name)").path
            try Data("#!/bin/sh\n\(body)\n".utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
        try folder.write(
            "config.json",
            Array(#"{"credHelpers": {"registry.example": "good", "chatty.example": "chatty"}, "credsStore": "unknown"}"#.utf8)
        )
        let environment = ["DOCKER_CONFIG": folder.path, "PATH": "\(helpers.path):/usr/bin:/bin"]
        let credentials = try RegistryCredentials.fromDockerConfig(for: "registry.example", environment: environment)
        #expect(credentials == RegistryCredentials(username: "robot", secret: "s3cret"))
        #expect(try RegistryCredentials.fromDockerConfig(for: "other.example", environment: environment) == nil)
        #expect {
            try RegistryCredentials.fromDockerConfig(for: "chatty.example", environment: environment)
        } throws: { error in
            "\(error)" == "docker-credential-chatty answered with more than \(RegistryCredentials.helperAnswerLimit) bytes"
        }
    }

    /// A helper that closes its input without reading the server's name, and answers anyway, is
    /// heard: writing the name to it then fails (EPIPE, once the helper has gone), which must
    /// neither end this process nor lose the answer. Asked many times, as the write only fails
    /// when the helper is quicker than it.
    @Test func aHelperThatDoesNotReadItsInputIsHeard() throws {
        let folder = try TemporaryDirectory()
        let helpers = folder.file("bin")
        try FileManager.default.createDirectory(at: helpers, withIntermediateDirectories: true)
        let path = helpers.appendingPathComponent("docker-credential-deaf").path
        try Data("#!/bin/sh\nexec 0<&-\necho '{\"Username\": \"robot\", \"Secret\": \"s3cret\"}'\n".utf8).write(
            to: URL(fileURLWithPath: path)
        )
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        try folder.write("config.json", Array(#"{"credsStore": "deaf"}"#.utf8))
        let environment = ["DOCKER_CONFIG": folder.path, "PATH": "\(helpers.path):/usr/bin:/bin"]
        for _ in 0..<20 {
            let credentials = try RegistryCredentials.fromDockerConfig(for: "registry.example", environment: environment)
            #expect(credentials == RegistryCredentials(username: "robot", secret: "s3cret"))
        }
    }

    /// Debian's docker-registry with token authentication in front: the client follows its
    /// challenge to the token service with the Docker configuration's credentials, and pushes
    /// and reads with the token it gets; no or wrong credentials are unauthorized.
    @Test func dockerRegistryWithTokenAuthentication() async throws {
        let tokens = try RegistryTokenService(credentials: ("robot", "s3cret"))
        let registry = try TestRegistry(tokens: tokens)
        let transport = HTTPClientTransport(idleTimeout: 10, transferTimeout: 30, environment: [:])
        let client = try RegistryClient(
            registry: registry.host,
            transport: transport,
            credentials: RegistryCredentials(username: "robot", secret: "s3cret")
        )
        let layer = try await client.pushBlob("private/app", Array("layer".utf8))
        let config = try await client.pushBlob("private/app", Array("{}".utf8))
        let manifest = OCIManifest.imageManifestBytes(
            config: OCIDescriptor(mediaType: "application/vnd.oci.image.config.v1+json", digest: config, size: 2),
            layers: [OCIDescriptor(mediaType: "application/vnd.oci.image.layer.v1.tar", digest: layer, size: 5)]
        )
        let pushed = try await client.pushManifest("private/app", manifest, mediaType: OCIManifest.imageManifest, reference: "v1")
        let (digest, _) = try await client.resolve(try ImageReference("\(registry.host)/private/app:v1"))
        #expect(digest == pushed)
        #expect(try await client.blob("private/app", digest: layer, size: 5) == Array("layer".utf8))

        try await expectRefusedWithoutTheCredentials(registry.host, transport, blob: layer, size: 5)
    }

    @Test func readsChallengesAndReferences() throws {
        let (scheme, parameters) = RegistryClient.parseChallenge(
            #"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull""#
        )
        #expect(scheme == "Bearer")
        #expect(
            parameters == ["realm": "https://auth.example.com/token", "service": "registry.example.com", "scope": "repository:a/b:pull"]
        )
        let hub = try ImageReference("ubuntu")
        #expect(hub.registry == "docker.io" && hub.repository == "library/ubuntu" && hub.tag == "latest")
        let pinned = try ImageReference("ghcr.io/org/app:v1@sha256:" + String(repeating: "ab", count: 32))
        #expect(
            pinned.registry == "ghcr.io" && pinned.repository == "org/app" && pinned.tag == "v1"
                && pinned.manifestReference.hasPrefix("sha256:")
        )
        let local = try ImageReference("localhost:5000/app")
        #expect(local.isLoopback && local.registry == "localhost:5000")
        for bad in ["", "UPPER/case", "app:", "app@sha256:12", "a b", "app:-tag", "host/../etc"] {
            #expect(throws: OCIError.self, "\(bad)") { try ImageReference(bad) }
        }
    }

    /// Reading the blob `digest` of `private/app` at `host` with no credentials, or with the
    /// wrong secret, fails as unauthorized.
    func expectRefusedWithoutTheCredentials(_ host: String, _ transport: HTTPClientTransport, blob digest: OCIDigest, size: Int64)
        async throws
    {
        for wrong in [nil, RegistryCredentials(username: "robot", secret: "guess")] {
            let refused = try RegistryClient(registry: host, transport: transport, credentials: wrong)
            await #expect {
                _ = try await refused.blob("private/app", digest: digest, size: size)
            } throws: { error in
                (error as? OCIError)?.kind == .unauthorized
            }
        }
    }
}
