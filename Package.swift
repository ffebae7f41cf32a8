// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "TrustRoot",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "TUF", targets: ["TUF"]),
        .library(name: "Plumbing", targets: ["Plumbing"]),
        .library(name: "NetworkTransport", targets: ["NetworkTransport"]),
        .library(name: "TUFClient", targets: ["TUFClient"]),
        .library(name: "Ceremony", targets: ["Ceremony"]),
        .library(name: "TransparencyLog", targets: ["TransparencyLog"]),
        .library(name: "OCI", targets: ["OCI"]),
        .library(name: "ContainerImage", targets: ["ContainerImage"]),
        .library(name: "Provenance", targets: ["Provenance"]),
        .library(name: "Sigstore", targets: ["Sigstore"]),
        .library(name: "LogMonitor", targets: ["LogMonitor"]),
        .library(name: "SigstoreSigning", targets: ["SigstoreSigning"]),
        .library(name: "SigstoreTUF", targets: ["SigstoreTUF"]),
        .executable(name: "tuf-conformance-client", targets: ["tuf-conformance-client"]),
        .executable(name: "sigstore-conformance-client", targets: ["sigstore-conformance-client"]),
        .executable(name: "trustroot", targets: ["trustroot"]),
        .executable(name: "trustroot-bench", targets: ["TrustRootBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", exact: "1.5.0"),
    ],
    targets: [
        .target(name: "CSecretMemory"),
        .target(
            name: "TUF",
            dependencies: [
                "CSecretMemory",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The transport protocols, files and locks; nothing here links an HTTP stack, so the
        // modules that parse and verify (and the fuzz targets built over them) do not either.
        .target(name: "Plumbing"),
        .target(
            name: "NetworkTransport",
            dependencies: [
                "Plumbing",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "TUFClient",
            dependencies: ["TUF", "Plumbing"]
        ),
        .systemLibrary(
            name: "CPKCS11",
            providers: [.apt(["libp11-kit-dev"])]
        ),
        .target(
            name: "Ceremony",
            dependencies: [
                "TUF",
                "TUFClient",
                "CPKCS11",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .target(
            name: "TransparencyLog",
            dependencies: ["TUF", "Plumbing", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "OCI",
            dependencies: ["TUF", "Plumbing", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "Provenance",
            dependencies: ["Sigstore", "TUF", .product(name: "X509", package: "swift-certificates")]
        ),
        .target(
            name: "ContainerImage",
            dependencies: [
                "OCI", "Sigstore", "TUF", .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .target(
            name: "Sigstore",
            dependencies: [
                "TUF",
                "TransparencyLog",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .target(
            name: "LogMonitor",
            dependencies: [
                "TransparencyLog", "Sigstore", "TUF", "Plumbing", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "SigstoreTUF",
            dependencies: ["TUF", "TUFClient", "Sigstore", "NetworkTransport"]
        ),
        .target(
            name: "SigstoreSigning",
            dependencies: [
                "Sigstore",
                "TUF",
                "Plumbing",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .executableTarget(
            name: "sigstore-conformance-client",
            dependencies: ["Sigstore", "SigstoreSigning", "TUFClient", "NetworkTransport"],
            path: "Sources/SigstoreConformanceClient"
        ),
        .executableTarget(
            name: "tuf-conformance-client",
            dependencies: ["TUFClient", "NetworkTransport"],
            path: "Sources/TUFConformanceClient"
        ),
        .executableTarget(
            name: "trustroot",
            dependencies: [
                "TUF",
                "TransparencyLog",
                "LogMonitor",
                "OCI",
                "ContainerImage",
                "Provenance",
                "TUFClient",
                "Ceremony",
                "Sigstore",
                "SigstoreSigning",
                "SigstoreTUF",
                "NetworkTransport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The folder holding the linker script below is no source.
            exclude: ["StaticLink"],
            // The release binary's relative relocations, one per pointer in Swift's metadata, are
            // packed (DT_RELR, which glibc 2.36 reads): the loader then reads a small bitmap instead
            // of a table the size of several megabytes at every start, and the binary stays
            // position-independent. gold cannot write them; the toolchain's lld can.
            //
            // Its C++ runtime is linked in as well, as the Swift runtime already is: the folder
            // searched first holds a `libstdc++.so` that is a linker script naming the static
            // archive, so every `-lstdc++` of the link (the toolchain's own included) takes it.
            // Loading the shared library and binding its symbols slowed every start.
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                        "-L", Context.packageDirectory + "/Sources/trustroot/StaticLink",
                    ],
                    .when(platforms: [.linux], configuration: .release)
                )
            ]
        ),
        .executableTarget(
            name: "TrustRootBench",
            dependencies: [
                "TUF", "Sigstore", "Ceremony", "TransparencyLog", "TestSupport", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The README's library example and the DocC articles' programs, compiled with the package
        // and run by tests; not products.
        .executableTarget(
            name: "verify-bundle-example",
            dependencies: ["Sigstore"],
            path: "Examples/VerifyBundle"
        ),
        .executableTarget(
            name: "follow-repository-example",
            dependencies: ["TUFClient", "NetworkTransport"],
            path: "Examples/FollowRepository"
        ),
        .executableTarget(
            name: "current-trusted-root-example",
            dependencies: ["SigstoreTUF", "TUFClient", "Sigstore"],
            path: "Examples/CurrentTrustedRoot"
        ),
        .executableTarget(
            name: "sign-blob-example",
            dependencies: ["SigstoreSigning", "Sigstore", "Plumbing", "NetworkTransport"],
            path: "Examples/SignBlob"
        ),
        .executableTarget(
            name: "run-ceremony-example",
            dependencies: ["Ceremony", "TUF"],
            path: "Examples/RunCeremony"
        ),
        .executableTarget(
            name: "monitor-log-example",
            dependencies: ["LogMonitor", "TransparencyLog", "Sigstore", "Plumbing", "NetworkTransport", "TUF"],
            path: "Examples/MonitorLog"
        ),
        .executableTarget(
            name: "verify-image-example",
            dependencies: ["ContainerImage", "OCI", "Sigstore", "Plumbing", "NetworkTransport"],
            path: "Examples/VerifyImage"
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "Sigstore", "TUF", "TransparencyLog", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "TUFTests",
            dependencies: ["TUF", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "PlumbingTests",
            dependencies: ["Plumbing", "TestSupport"]
        ),
        .testTarget(
            name: "NetworkTransportTests",
            dependencies: ["NetworkTransport", "Plumbing", "TestSupport"]
        ),
        .testTarget(
            name: "TUFClientTests",
            dependencies: ["TUF", "TUFClient", "NetworkTransport", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "CeremonyTests",
            dependencies: ["Ceremony", "TUF", "NetworkTransport", "TestSupport"]
        ),
        .testTarget(
            name: "TransparencyLogTests",
            dependencies: [
                "TransparencyLog", "TUF", "Plumbing", "NetworkTransport", "TestSupport", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "ProvenanceTests",
            dependencies: [
                "Provenance", "Sigstore", "TUF", "TestSupport", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(
            name: "ContainerImageTests",
            dependencies: [
                "ContainerImage", "OCI", "Sigstore", "SigstoreSigning", "TUF", "Plumbing", "NetworkTransport", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "LogMonitorTests",
            dependencies: [
                "LogMonitor", "TransparencyLog", "Sigstore", "TUF", "Plumbing", "NetworkTransport", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(
            name: "SigstoreTests",
            dependencies: [
                "Sigstore", "TUF", "TestSupport", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .testTarget(
            name: "SigstoreSigningTests",
            dependencies: [
                "SigstoreSigning", "Sigstore", "TransparencyLog", "TUF", "Plumbing", "NetworkTransport", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "SigstoreTUFTests",
            dependencies: ["SigstoreTUF", "Sigstore", "TUF", "TUFClient", "TestSupport"]
        ),
        .testTarget(
            name: "TrustRootCLITests",
            dependencies: [
                "TUF", "TUFClient", "Ceremony", "TestSupport", "trustroot", "sigstore-conformance-client", "verify-bundle-example",
                "follow-repository-example", "current-trusted-root-example", "sign-blob-example", "run-ceremony-example",
                "monitor-log-example", "verify-image-example",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "X509", package: "swift-certificates"),
            ]
        ),
    ]
)

// Every Swift target of this package treats a compiler warning as an error, so a new warning
// fails the build (and CI) where it appears instead of piling up. Dependencies are not affected.
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [.treatAllWarnings(as: .error)]
}
