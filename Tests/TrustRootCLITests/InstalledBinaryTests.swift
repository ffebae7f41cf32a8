import Foundation
import TestSupport
import Testing

/// `trustroot` as README.md builds it for installing: the Swift and C++ runtimes linked in, and HTTP done
/// by the binary itself (async-http-client over swift-nio, TLS through swift-nio-ssl), so it
/// needs neither the toolchain's libraries nor libcurl. Runs when `$TRUSTROOT_BINARY` names such
/// a build, as the README's test command does.
@Suite("trustroot as installed", .enabled(if: TrustRootBinary.installedBuild != nil))
struct InstalledBinaryTests {
    /// The libraries the dynamic loader reports loading, from `LD_DEBUG=files` output.
    static func loadedLibraries(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: "file=") else { return nil }
            return String(line[range.upperBound...].prefix { $0 != " " && $0 != "\t" })
        }
    }

    /// Libraries an installed build must never map: the toolchain's runtime, the C++ runtime
    /// (linked in, since loading it slowed every start) and URLSession's stack.
    static let foreignLibraries = ["libswiftCore", "libFoundation", "libstdc++", "libcurl", "libnghttp2", "libssl", "libcrypto"]

    @Test func needsNeitherTheToolchainNorLibcurl() async throws {
        let ldd = try await Subprocess.run(command: ["ldd", TrustRootBinary.url.path])
        #expect(ldd.status == 0)
        #expect(ldd.output.contains("libc.so"))
        for library in Self.foreignLibraries {
            #expect(!ldd.output.contains(library), "the installed build links \(library): \(ldd.output)")
        }

        // A refresh over HTTP works and maps none of them.
        let client = try await ClientCLITests.Fixture()
        #expect(try await client.initClient().status == 0)
        let refresh = try await TrustRootBinary.run(["client", "refresh", "--cache", client.cache], environment: ["LD_DEBUG": "files"])
        #expect(refresh.status == 0, "\(refresh.stderr)")
        #expect(refresh.stdout.hasPrefix("root v4, timestamp v2, snapshot v2, targets v1 (trusted; root expires "))
        let fetched = Self.loadedLibraries(refresh.stderr)
        #expect(fetched.contains("libc.so.6"))
        for library in Self.foreignLibraries {
            #expect(!fetched.contains { $0.contains(library) }, "a refresh loaded \(library): \(fetched)")
        }

        // Nor does a verification.
        let verify = try VerifyCLITests()
        _ = try verify.write("bundle.json", TestInstance.Options(time: verify.instance.epoch))
        let verified = try await TrustRootBinary.run(
            [
                "verify", "--bundle", verify.folder.file("bundle.json").path, "--trusted-root",
                verify.folder.file("trusted_root.json").path,
            ] + verify.identity + [verify.folder.file("artifact.txt").path],
            environment: ["LD_DEBUG": "files"]
        )
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.hasPrefix("verified: "))
        let loaded = Self.loadedLibraries(verified.stderr)
        for library in Self.foreignLibraries {
            #expect(!loaded.contains { $0.contains(library) }, "verify loaded \(library): \(loaded)")
        }
    }

    /// On a machine without libcurl a refresh works as anywhere else. Simulated, where libcurl is
    /// installed, in a mount namespace of its own in which libcurl's file is replaced by an empty
    /// one (this needs root, as CI has).
    @Test func refreshesWhereLibcurlIsMissing() async throws {
        let ldconfig = try await Subprocess.run(command: ["ldconfig", "-p"])
        let entry = ldconfig.output.split(separator: "\n").first { $0.contains("libcurl.so.4 (") }
        let library = try entry.map {
            URL(fileURLWithPath: String(try #require($0.split(separator: " ").last))).resolvingSymlinksInPath().path
        }

        let client = try await ClientCLITests.Fixture()
        #expect(try await client.initClient().status == 0)
        let refresh = try await Subprocess.run(command: [
            "unshare", "--mount", "sh", "-c", #"[ -z "$1" ] || mount --bind /dev/null "$1"; exec "$2" client refresh --cache "$3""#, "sh",
            library ?? "", TrustRootBinary.url.path, client.cache,
        ])
        #expect(refresh.status == 0, "\(refresh.errors)")
        #expect(refresh.output.hasPrefix("root v4, timestamp v2, snapshot v2, targets v1 (trusted; root expires "))
    }
}
