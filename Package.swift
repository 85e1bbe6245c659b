// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Buergeramtskoffer",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kit-agent", targets: ["kit-agent"]),
        .executable(name: "sync-server", targets: ["sync-server"]),
        .executable(name: "kit-sim", targets: ["kit-sim"]),
        // Test helper, not shipped: loaded with LD_PRELOAD by the durability tests (Tests/FsyncProbe).
        .library(name: "KitFsyncProbe", type: .dynamic, targets: ["KitFsyncProbe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    ],
    targets: [
        // C libraries, found through pkg-config.
        .systemLibrary(
            name: "CLibUSB",
            pkgConfig: "libusb-1.0",
            providers: [.apt(["libusb-1.0-0-dev"])]
        ),
        .systemLibrary(
            name: "CPCSCLite",
            pkgConfig: "libpcsclite",
            providers: [.apt(["libpcsclite-dev"])]
        ),
        // libfprint 2 for fingerprint scanners, and a thin C shim for its GLib callbacks.
        .systemLibrary(
            name: "CFPrint",
            pkgConfig: "libfprint-2",
            providers: [.apt(["libfprint-2-dev"])]
        ),
        .target(name: "KitFingerprintShims", dependencies: ["CFPrint"], path: "Sources/KitFingerprintShims"),
        // GStreamer for the camera (v4l2src on the kit, any source in tests), and a thin C shim that
        // runs a pipeline and pulls RGB frames from its appsink.
        .systemLibrary(
            name: "CGStreamer",
            pkgConfig: "gstreamer-app-1.0",
            providers: [.apt(["libgstreamer1.0-dev", "libgstreamer-plugins-base1.0-dev"])]
        ),
        .target(
            name: "KitCameraShims", dependencies: ["CGStreamer"], path: "Sources/KitCameraShims",
            // pkg-config's gstreamer-app-1.0 brings gstapp, gstbase, gstreamer; GstVideoInfo is in gstvideo.
            linkerSettings: [.linkedLibrary("gstvideo-1.0")]
        ),
        // OpenCV's cascade classifiers behind a C API (face and eye detection for the photo checks).
        // Debian's OpenCV headers live in /usr/include/opencv4; only the three libraries used are linked.
        .target(
            name: "KitFaceShims",
            path: "Sources/KitFaceShims",
            cxxSettings: [.unsafeFlags(["-I/usr/include/opencv4"])],
            linkerSettings: [
                .linkedLibrary("opencv_objdetect"), .linkedLibrary("opencv_imgproc"), .linkedLibrary("opencv_core"),
            ]
        ),
        // libjpeg-turbo's TurboJPEG API for the face image in the ISO/IEC 19794-5 record.
        .systemLibrary(
            name: "CTurboJPEG",
            pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]
        ),
        // OpenPACE (BSI TR-03110 PACE, TA, CA) for the German ID card.
        .systemLibrary(
            name: "CEAC",
            pkgConfig: "libeac",
            providers: [.apt(["libeac-dev"])]
        ),

        // Shared by kit and server: domain model, wire types, versions.
        .target(
            name: "KitCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        // One folder per device class; codecs pure, transports at the edge.
        .target(
            name: "KitDrivers",
            dependencies: [
                "CLibUSB", "CPCSCLite", "CEAC", "CFPrint", "KitFingerprintShims",
                "KitCameraShims", "KitFaceShims", "CTurboJPEG",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Device simulators for tests and demos (kit-sim): the only place simulated behaviour lives.
        .target(
            name: "KitSimulators",
            dependencies: [
                "KitDrivers", "KitCore", "CEAC", .product(name: "Crypto", package: "swift-crypto"),
                // The reference consumer's push endpoint.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            resources: [
                .copy("SignaturePad/stu_testbed.py"),
                .copy("SignaturePad/stu540.umockdev"),
            ],
            swiftSettings: strict
        ),
        // The kit's daemon as a library.
        .target(
            name: "KitAgent",
            dependencies: [
                "KitCore", "KitDrivers",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            resources: [.copy("Resources/local-api.yaml"), .copy("Resources/clerk-ui")],
            swiftSettings: strict
        ),
        // The city's sync server as a library.
        .target(
            name: "SyncServer",
            dependencies: [
                "KitCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                // scrypt for operator passwords.
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                // Hand-off push to consumers' HTTPS endpoints.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),

        // Thin executables.
        .executableTarget(
            name: "kit-agent",
            dependencies: [
                "KitAgent", "KitCore", "KitDrivers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "sync-server",
            dependencies: [
                "SyncServer", "KitCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "kit-sim",
            dependencies: [
                "KitDrivers", "KitCore", "KitSimulators",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),

        // Shared by the test targets: sockets, temporary folders, quiet loggers.
        .target(
            name: "KitTestSupport",
            dependencies: [
                "KitAgent", "KitCore", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/KitTestSupport",
            swiftSettings: strict
        ),
        // Benchmarks (scripts/bench): performance is measured here, not in tests.
        .target(
            name: "BenchmarkSupport",
            path: "Benchmarks/Support",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "outbox-bench",
            dependencies: [
                "BenchmarkSupport",
                "KitAgent", "KitCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Benchmarks/OutboxBench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "replay-bench",
            dependencies: [
                "BenchmarkSupport",
                "KitAgent", "SyncServer", "KitCore", "KitTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Benchmarks/ReplayBench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "dossier-bench",
            dependencies: [
                "BenchmarkSupport",
                "SyncServer", "KitCore", "KitDrivers",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/DossierBench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fingerprint-bench",
            dependencies: ["BenchmarkSupport", "KitDrivers", "KitSimulators"],
            path: "Benchmarks/FingerprintBench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "photo-bench",
            dependencies: ["BenchmarkSupport", "KitDrivers"],
            path: "Benchmarks/PhotoBench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "pen-report-bench",
            dependencies: ["BenchmarkSupport", "KitDrivers"],
            path: "Benchmarks/PenReportBench",
            swiftSettings: strict
        ),
        // fsync/fdatasync counted and failed on command, for the durability tests (LD_PRELOAD).
        .target(name: "KitFsyncProbe", path: "Tests/FsyncProbe", linkerSettings: [.linkedLibrary("dl")]),
        // Child process for the outbox crash test (killed with SIGKILL at random moments).
        .executableTarget(
            name: "outbox-torture",
            dependencies: ["KitAgent", "KitCore"],
            path: "Tests/OutboxTorture",
            swiftSettings: strict
        ),
        .testTarget(
            name: "KitCoreTests",
            dependencies: ["KitCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KitDriversTests",
            dependencies: ["KitDrivers", "KitSimulators", "KitTestSupport", "CEAC"],
            exclude: [
                "Fingerprint/Records/WSQ/wsq_check.py", "PaymentTerminal/Recordings", "Camera/Fixtures",
                "Camera/face_record_check.py",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KitSimulatorsTests",
            dependencies: [
                "KitDrivers", "KitSimulators", "KitAgent", "KitCore", "KitTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KitAgentTests",
            dependencies: [
                "KitAgent", "SyncServer", "KitCore", "KitDrivers", "KitSimulators", "KitTestSupport", "outbox-torture",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SyncServerTests",
            dependencies: [
                "SyncServer", "KitCore", "KitDrivers", "KitTestSupport", "KitSimulators",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
    ]
)
