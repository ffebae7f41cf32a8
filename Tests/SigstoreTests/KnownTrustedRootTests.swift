import Crypto
import Foundation
import Sigstore
import TUF
import TestSupport
import Testing

/// The trusted roots compiled into TrustRoot are the files under metadata/sigstore, byte for
/// byte, with the SHA-256 metadata/README.md records.
@Suite("Shipped trusted roots")
struct KnownTrustedRootTests {
    static let metadata = Python.interopDirectory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("metadata")

    @Test(arguments: [(KnownTrustedRoot.production, "production"), (.staging, "staging")])
    func embeddedBytesAreTheShippedFiles(known: KnownTrustedRoot, folder: String) throws {
        let file = Array(try Data(contentsOf: Self.metadata.appendingPathComponent("sigstore/\(folder)/trusted_root.json")))
        #expect(known.bytes == file)
        let readme = try String(contentsOf: Self.metadata.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("`sigstore/\(folder)/trusted_root.json`"))
        #expect(readme.contains(Hex.encode(SHA256.hash(data: file))))
        let root = try known.trustedRoot()
        #expect(!root.certificateAuthorities.isEmpty && !root.transparencyLogs.isEmpty && !root.certificateTransparencyLogs.isEmpty)
    }
}
