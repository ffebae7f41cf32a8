// swift-tools-version: 6.1
// libFuzzer targets for TrustRoot's parsers. A package of its own, so that the main build never
// links them: they need `-sanitize=fuzzer`. Build and run with ./fuzz (see its usage).
import PackageDescription

let package = Package(
    name: "TrustRootFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "CFuzzer"),
        .executableTarget(name: "fuzz-json", dependencies: ["CFuzzer", .product(name: "TUF", package: "main")], path: "Sources/FuzzJSON"),
        .executableTarget(name: "fuzz-metadata", dependencies: ["CFuzzer", .product(name: "TUF", package: "main")], path: "Sources/FuzzMetadata"),
    ]
)
