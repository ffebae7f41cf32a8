import Foundation
import TestSupport
import Testing

/// `trustroot` as README.md builds it for installing: the Swift runtime linked in, and libcurl
/// (which URLSession uses for HTTP) loaded only by the commands that fetch. Runs when
/// `$TRUSTROOT_BINARY` names such a build, as the README's test command does.
@Suite("trustroot as installed", .enabled(if: TrustRootBinary.installedBuild != nil))
struct InstalledBinaryTests {
    /// The libraries the dynamic loader reports loading, from `LD_DEBUG=files` output.
    static func loadedLibraries(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: "file=") else { return nil }
            return String(line[range.upperBound...].prefix { $0 != " " && $0 != "\t" })
        }
    }

    @Test func loadsLibcurlOnlyForCommandsThatFetch() throws {
        let ldd = try Subprocess.run(command: ["ldd", TrustRootBinary.url.path])
        #expect(ldd.status == 0)
        #expect(ldd.output.contains("libc.so"))
        #expect(!ldd.output.contains("libcurl"), "the installed build links libcurl at start: \(ldd.output)")
        #expect(!ldd.output.contains("libswiftCore"), "the installed build needs the toolchain's runtime: \(ldd.output)")

        // A fetch loads libcurl when it first needs it, and works.
        let client = try ClientCLITests.Fixture()
        #expect(try client.initClient().status == 0)
        let refresh = try TrustRootBinary.run(["client", "refresh", "--cache", client.cache], environment: ["LD_DEBUG": "files"])
        #expect(refresh.status == 0, "\(refresh.stderr)")
        #expect(refresh.stdout.hasPrefix("root v4, timestamp v2, snapshot v2, targets v1 (trusted; root expires "))
        #expect(Self.loadedLibraries(refresh.stderr).contains("libcurl.so.4"))

        // A verification never loads it.
        let verify = try VerifyCLITests()
        _ = try verify.write("bundle.json", TestInstance.Options(time: verify.instance.epoch))
        let verified = try TrustRootBinary.run(
            [
                "verify", "--bundle", verify.folder.file("bundle.json").path, "--trusted-root",
                verify.folder.file("trusted_root.json").path,
            ] + verify.identity + [verify.folder.file("artifact.txt").path],
            environment: ["LD_DEBUG": "files"]
        )
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.hasPrefix("verified: "))
        let loaded = Self.loadedLibraries(verified.stderr)
        #expect(loaded.contains("libc.so.6"))
        #expect(!loaded.contains { $0.contains("libcurl") }, "verify loaded \(loaded)")
    }

    /// On a machine without libcurl, a fetch fails with one line and exit 69, and leaves the
    /// client's trusted files as they were. Simulated in a mount namespace of its own, where
    /// libcurl's file is replaced by an empty one (this needs root, as CI has).
    @Test func aMissingLibcurlFailsAFetchClearly() throws {
        let ldconfig = try Subprocess.run(command: ["ldconfig", "-p"])
        let entry = try #require(ldconfig.output.split(separator: "\n").first { $0.contains("libcurl.so.4 (") })
        let library = URL(fileURLWithPath: String(try #require(entry.split(separator: " ").last))).resolvingSymlinksInPath().path

        let client = try ClientCLITests.Fixture()
        #expect(try client.initClient().status == 0)
        let before = try client.cacheFiles()
        let hidden = try Subprocess.run(command: [
            "unshare", "--mount", "sh", "-c", #"mount --bind /dev/null "$1" && exec "$2" client refresh --cache "$3""#, "sh", library,
            TrustRootBinary.url.path, client.cache,
        ])
        #expect(hidden.status == 69, "\(hidden.errors)")
        #expect(hidden.errors.hasPrefix("trustroot: ") && hidden.errors.contains("HTTP is unavailable: cannot load libcurl.so.4: "))
        #expect(hidden.errors.split(separator: "\n").count == 1)
        #expect(try client.cacheFiles() == before)
    }
}
