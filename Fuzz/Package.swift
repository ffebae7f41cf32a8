// swift-tools-version: 6.1
// libFuzzer targets for TrustRoot's parsers. A package of its own, so that the main build never
// links them: they need `-sanitize=fuzzer`. Build and run with ./fuzz (see its usage).
import PackageDescription

let package = Package(
    name: "TrustRootFuzz",
    // `trustroot` is a link to the repository root: a path dependency is named after its last path
    // component, and the checkout folder can have any name.
    dependencies: [.package(path: "trustroot")],
    targets: [
        .target(name: "CFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzer"]),
        .executableTarget(
            name: "fuzz-json",
            dependencies: ["FuzzSupport", .product(name: "TUF", package: "trustroot")],
            path: "Sources/FuzzJSON"
        ),
        .executableTarget(
            name: "fuzz-ceremony",
            dependencies: ["FuzzSupport", .product(name: "Ceremony", package: "trustroot"), .product(name: "TUF", package: "trustroot")],
            path: "Sources/FuzzCeremony"
        ),
        .executableTarget(
            name: "fuzz-workspace",
            dependencies: ["FuzzSupport", .product(name: "Ceremony", package: "trustroot"), .product(name: "TUF", package: "trustroot")],
            path: "Sources/FuzzWorkspace"
        ),
        .executableTarget(
            name: "fuzz-sigstore",
            dependencies: [
                "FuzzSupport", .product(name: "Sigstore", package: "trustroot"), .product(name: "TransparencyLog", package: "trustroot"),
            ],
            path: "Sources/FuzzSigstore"
        ),
        .executableTarget(
            name: "fuzz-log",
            dependencies: ["FuzzSupport", .product(name: "TransparencyLog", package: "trustroot")],
            path: "Sources/FuzzLog"
        ),
        .executableTarget(
            name: "fuzz-signing",
            dependencies: [
                "FuzzSupport", .product(name: "SigstoreSigning", package: "trustroot"), .product(name: "Sigstore", package: "trustroot"),
                .product(name: "TUF", package: "trustroot"),
            ],
            path: "Sources/FuzzSigning"
        ),
        .executableTarget(
            name: "fuzz-metadata",
            dependencies: ["FuzzSupport", .product(name: "TUF", package: "trustroot")],
            path: "Sources/FuzzMetadata"
        ),
    ]
)
