// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "seatline",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "seatline", targets: ["seatline"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
    ],
    targets: [
        // C libraries. librdkafka comes from deploy/stack's own >= 2.2 build (Debian 12's 2.0.2
        // cannot talk to current brokers), found through PKG_CONFIG_PATH, so no apt provider is named.
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka"),
        // hiredis.pc adds -D_FILE_OFFSET_BITS=64, which SwiftPM refuses with a warning; its header and
        // library sit on the default paths, so the modulemap names them directly.
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

        // Thin Swift facades over the C libraries; no C type crosses their public API.
        .target(
            name: "Kafka",
            dependencies: ["CRdKafka", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Redis",
            dependencies: [
                "CHiredis", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),

        // JSON read and written straight from and to bytes, for the hot paths where Foundation's coders cost most.
        .target(name: "JSONBytes", swiftSettings: swiftSettings),

        // The booking domain: commands, seats, decisions, journal entries, validation. No I/O.
        .target(
            name: "BookingDomain",
            dependencies: ["JSONBytes", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),

        // Access tokens: claims, signing keys, local verification (jwt-kit). No I/O.
        .target(
            name: "Identity",
            dependencies: ["JSONBytes", .product(name: "JWTKit", package: "jwt-kit")],
            swiftSettings: swiftSettings
        ),

        // What every role shares: configuration, HTTP plumbing, health and metrics, schema.
        .target(
            name: "SeatlineRuntime",
            dependencies: [
                "BookingDomain", "Identity", "JSONBytes", "Postgres", "Redis", "Kafka",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // The cluster: nodes and heartbeats, the Bully election fenced by terms, the transaction log, kill and
        // revive, the sales switch and the admin endpoints over them.
        .target(
            name: "Cluster",
            dependencies: [
                "JSONBytes", "Postgres", "SeatlineRuntime",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // One module per role.
        .target(
            name: "Accounts",
            dependencies: [
                "BookingDomain", "Cluster", "Identity", "JSONBytes", "Postgres", "SeatlineRuntime",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WriteAPI",
            dependencies: [
                "Cluster", "JSONBytes", "SeatlineRuntime", .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Worker", dependencies: ["Cluster", "JSONBytes", "SeatlineRuntime"], swiftSettings: swiftSettings),
        .target(name: "Sync", dependencies: ["Cluster", "SeatlineRuntime"], swiftSettings: swiftSettings),
        .target(
            name: "ReadAPI", dependencies: ["Cluster", "JSONBytes", "SeatlineRuntime"], swiftSettings: swiftSettings),

        // `seatline load`: drives the gateway and checks the outcome against both databases.
        .target(
            name: "LoadGenerator",
            dependencies: [
                "Identity", "JSONBytes", "Postgres",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "seatline",
            dependencies: [
                "Accounts", "Identity", "SeatlineRuntime", "WriteAPI", "Worker", "Sync", "ReadAPI", "LoadGenerator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // What the integration tests share: the local stack's endpoints, its script, scratch read models.
        .target(
            name: "SeatlineTestSupport",
            dependencies: ["Identity", "Postgres", "SeatlineRuntime", .product(name: "Logging", package: "swift-log")],
            path: "Tests/SeatlineTestSupport",
            swiftSettings: swiftSettings
        ),

        // Unit tests: no servers.
        .testTarget(name: "JSONBytesTests", dependencies: ["JSONBytes"], swiftSettings: swiftSettings),
        .testTarget(
            name: "BookingDomainTests", dependencies: ["BookingDomain", "SeatlineTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(name: "IdentityTests", dependencies: ["Identity"], swiftSettings: swiftSettings),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AccountsTests", dependencies: ["Accounts", "BookingDomain"], swiftSettings: swiftSettings),
        // Integration tests: the real servers of the local stack (deploy/stack up).
        // The load generator's reply parser and pool bookkeeping, and short runs against the stack.
        .testTarget(
            name: "LoadGeneratorTests",
            dependencies: [
                "Identity", "LoadGenerator", "SeatlineTestSupport", .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "SeatlineTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "RedisTests", dependencies: ["Redis", "SeatlineTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PostgresTests", dependencies: ["Postgres", "SeatlineTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SyncTests", dependencies: ["Sync", "SeatlineRuntime", "SeatlineTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ReadAPITests",
            dependencies: [
                "Identity", "ReadAPI", "SeatlineRuntime", "SeatlineTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "WriteAPITests",
            dependencies: ["WriteAPI", "Identity", .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WorkerTests", dependencies: ["Worker", "SeatlineTestSupport"], swiftSettings: swiftSettings),
        // Processes of the local stack killed and frozen under load, then the contract checked.
        .testTarget(
            name: "FaultTests",
            dependencies: [
                "BookingDomain", "LoadGenerator", "Postgres", "SeatlineTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // End to end: HTTP through the nginx gateway (SEATLINE_GATEWAY_URL); the databases only to check the outcome.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "BookingDomain", "Postgres", "SeatlineTestSupport", "Sync",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
