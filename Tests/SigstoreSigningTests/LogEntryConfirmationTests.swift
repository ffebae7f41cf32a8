import Foundation
import NetworkTransport
import Plumbing
import Sigstore
import SigstoreSigning
import TUF
import TestSupport
import Testing
import TransparencyLog

/// Bundles signed through the loopback services, then confirmed online with the log that holds
/// their entry, Rekor v1 over its REST API and Rekor v2 over its tiles: the entry is there and
/// the log's tree extends the bundle's; a log that forked or holds another entry is caught.
@Suite struct LogEntryConfirmationTests {
    let services: TestSigstoreServices
    let trustedRoot: TrustedRoot

    init() throws {
        services = try TestSigstoreServices()
        trustedRoot = try TrustedRoot(bytes: services.trustedRoot())
    }

    func sign(logVersion: Int, _ artifact: String) async throws -> SigstoreBundle {
        let signer = BundleSigner(
            trustedRoot: trustedRoot,
            signingConfig: try SigningConfig(bytes: services.signingConfig(logVersion: logVersion)),
            transport: HTTPClientTransport(idleTimeout: 60, transferTimeout: 300, environment: [:])
        )
        let signed = try await signer.signKeyless(.artifact(Array(artifact.utf8)), token: try IdentityToken(services.identityToken()))
        return try SigstoreBundle(bytes: signed.bytes)
    }

    func source(for logVersion: Int) -> any LogSource {
        let keys: [any NoteVerifier] = trustedRoot.transparencyLogs.map(TrustedLogKey.init)
        let transport = HTTPClientTransport(idleTimeout: 10, transferTimeout: 30, environment: [:])
        if logVersion == 1 { return RekorV1Log(baseURL: services.logURL, keys: keys, transport: transport) }
        let client = TiledLogClient(prefix: services.logV2URL.appendingPathComponent("api/v2"), fetcher: transport)
        return TiledLog(client: client, keys: keys)
    }

    func kind(of work: () async throws -> Void) async -> LogError.Kind? {
        do {
            try await work()
            return nil
        } catch {
            return (error as? LogError)?.kind
        }
    }

    @Test(arguments: [1, 2])
    func confirmsAnEntryAndCatchesAForkAndAnotherEntry(logVersion: Int) async throws {
        let bundle = try await sign(logVersion: logVersion, "release 1")
        let entry = try #require(bundle.transparencyLogEntries.first)
        let source = source(for: logVersion)
        let first = try await LogEntryConfirmation.confirm(entry, with: source)
        #expect(first.logIndex == entry.logIndex)
        #expect(first.bundleTreeSize == entry.inclusionProof?.treeSize)
        #expect(first.currentTreeSize == entry.inclusionProof?.treeSize)

        // The log grows: its new tree is proved to extend the bundle's.
        for index in 2...4 { _ = try await sign(logVersion: logVersion, "release \(index)") }
        let later = try await LogEntryConfirmation.confirm(entry, with: source)
        #expect(later.currentTreeSize == (entry.inclusionProof?.treeSize ?? 0) + 3)
        #expect(later.consistencyProofLength > 0)

        // A bundle whose body the log does not hold at that index.
        var other = entry
        other.canonicalizedBody += [0x20]
        #expect(await kind { _ = try await LogEntryConfirmation.confirm(other, with: source) } == .inconsistent)

        // The log rewrote its first entry: its tree no longer extends the bundle's.
        services.inject(.logRewritten)
        #expect(await kind { _ = try await LogEntryConfirmation.confirm(entry, with: source) } == .inconsistent)
        services.clearFaults()
        services.inject(.logHTTPError)
        #expect(await kind { _ = try await LogEntryConfirmation.confirm(entry, with: source) } == .unreachable)
    }
}
