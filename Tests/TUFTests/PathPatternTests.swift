import Foundation
import TUF
import Testing

@Suite("Path patterns, hash bins and dates")
struct PathPatternTests {
    @Test(arguments: [
        ("targets/*.tgz", "targets/foo.tgz", true),
        ("targets/*.tgz", "targets/foo/bar.tgz", false),
        ("*", "foo", true),
        ("*", "foo/bar", false),
        ("*/*", "foo/bar", true),
        ("foo-version-?.tgz", "foo-version-2.tgz", true),
        ("foo-version-?.tgz", "foo-version-22.tgz", false),
        ("foo-version-?.tgz", "foo-version-/.tgz", false),
        ("Foo/*", "foo/bar", false),
        ("foo/*", "foo/", true),
        ("a/[bc]d", "a/cd", true),
        ("a/[!bc]d", "a/cd", false),
        ("a/[a-c]*", "a/bzz", true),
        ("a/[]]", "a/]", true),
        ("a/[x", "a/[x", true),
        ("*.txt", ".txt", true),
        ("**", "a", true),
        ("a*b*c", "aXbYc", true),
        ("a*b*c", "aXbY", false),
        ("é/*", "é/x", true),
        ("é/*", "e\u{301}/x", false),
        ("registry.npmjs.org/*", "registry.npmjs.org/pkg", true),
        ("", "", true),
    ])
    func matchesAsTheSpecificationSays(pattern: String, path: String, matches: Bool) {
        #expect(PathPattern(pattern).matches(path) == matches)
    }

    @Test func hashPrefixDelegation() {
        // SHA-256 of "a.txt" begins with 18b7cb09, of "b.txt" with ffa0da5d, of "c.txt" with 4fe00619.
        let role = DelegatedRole(name: "r", keyIDs: ["k"], threshold: 1, terminating: false, scope: .pathHashPrefixes(["18b", "ffa1"]))
        #expect(role.isDelegatedPath("a.txt"))
        #expect(!role.isDelegatedPath("b.txt"))
        #expect(!role.isDelegatedPath("c.txt"))
    }

    @Test func succinctRoleNames() {
        let bins = SuccinctRoles(keyIDs: ["k"], threshold: 1, bitLength: 10, namePrefix: "bin")
        #expect(bins.numberOfBins == 1024)
        #expect(bins.roleName(bin: 0) == "bin-000")
        #expect(bins.roleName(bin: 1023) == "bin-3ff")
        #expect(bins.isDelegatedRole("bin-3ff"))
        #expect(!bins.isDelegatedRole("bin-400"))
        #expect(!bins.isDelegatedRole("bin-3FF"))
        #expect(!bins.isDelegatedRole("bin-0ff0"))
        #expect(!bins.isDelegatedRole("bins-000"))
        // SHA-256 of "a.txt" begins with 0x18b7: its top 10 bits are 0b0001100010 = 0x062.
        #expect(bins.roleName(forTarget: "a.txt") == "bin-062")
        let whole = SuccinctRoles(keyIDs: ["k"], threshold: 1, bitLength: 32, namePrefix: "x")
        #expect(whole.roleName(forTarget: "a.txt").hasPrefix("x-18b7cb09"))
        #expect(whole.roleName(forTarget: "a.txt").count == 10)
    }

    @Test func datesRoundTrip() throws {
        for text in [
            "1970-01-01T00:00:00Z", "2000-02-29T12:34:56Z", "2038-01-19T03:14:08Z", "9999-12-31T23:59:59Z", "1969-12-31T23:59:59Z",
        ] {
            let date = try #require(MetadataDate.parse(text))
            #expect(MetadataDate.format(date) == text)
        }
        #expect(MetadataDate.parse("2021-06-15T10:00:00Z") == Date(timeIntervalSince1970: 1_623_751_200))
    }

    @Test func expiryIsExclusive() throws {
        let expires = try #require(MetadataDate.parse("2030-01-01T00:00:00Z"))
        let targets = Targets(expires: expires)
        #expect(!targets.isExpired(at: expires.addingTimeInterval(-1)))
        #expect(targets.isExpired(at: expires))
    }
}
