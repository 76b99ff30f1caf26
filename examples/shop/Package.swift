// swift-tools-version: 6.1
// The example shop: four services, each its own folder, module and executable, in one package so that the shared
// dependencies build once. They share only ShopKit (JSON errors, the pooled client for calls through the gateway,
// SQLite and start-up helpers) and ShopRPC (the gRPC API between them, carried by ShopGRPCTransport, grpc-swift's
// calls on the shop's own h2c transport); the order service also uses ShopAMQP, the shop's AMQP 0-9-1 publisher.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "shop",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "user", targets: ["user"]),
        .executable(name: "inventory", targets: ["inventory"]),
        .executable(name: "order", targets: ["order"]),
        .executable(name: "payment", targets: ["payment"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // The little the services share: JSON errors, an HTTP/1.1 client for calls through the gateway, SQLite set-up.
        .target(
            name: "ShopKit",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "ShopKit",
            swiftSettings: strict
        ),
        // The smallest correct AMQP 0-9-1 publisher (confirms, heartbeats), for the order service's outbox relay.
        .target(
            name: "ShopAMQP",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "ShopAMQP",
            swiftSettings: strict
        ),
        // gRPC over h2c for grpc-swift's client and server, one handler per connection and no channel per call.
        .target(
            name: "ShopGRPCTransport",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ],
            path: "ShopGRPCTransport",
            swiftSettings: strict
        ),
        // The gRPC API between the services: the .proto files, the code generated from them once (generate.sh),
        // the server runner with gRPC's health service, and the process-wide client through the gateway.
        .target(
            name: "ShopRPC",
            dependencies: [
                "ShopKit", "ShopGRPCTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "ShopRPC",
            exclude: ["protos", "generate.sh"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ShopGRPCTransportTests",
            dependencies: [
                "ShopGRPCTransport", .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ],
            path: "ShopGRPCTransportTests"
        ),
        .testTarget(name: "ShopKitTests", dependencies: ["ShopKit"], path: "ShopKitTests"),
        .testTarget(
            name: "ShopRPCTests",
            dependencies: ["ShopRPC", "ShopGRPCTransport"],
            path: "ShopRPCTests"
        ),
        .testTarget(
            name: "ShopAMQPTests",
            dependencies: [
                "ShopAMQP", .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "ShopAMQPTests"
        ),

        .target(
            name: "UserService",
            dependencies: [
                "ShopKit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            path: "user/Sources/UserService",
            swiftSettings: strict
        ),
        .executableTarget(name: "user", dependencies: ["UserService"], path: "user/Sources/user", swiftSettings: strict),
        .testTarget(name: "UserServiceTests", dependencies: ["UserService"], path: "user/Tests"),

        .target(name: "InventoryService", dependencies: ["ShopKit", "ShopRPC"],
            path: "inventory/Sources/InventoryService", swiftSettings: strict),
        .executableTarget(name: "inventory", dependencies: ["InventoryService"], path: "inventory/Sources/inventory",
            swiftSettings: strict),
        .testTarget(
            name: "InventoryServiceTests",
            dependencies: [
                "InventoryService", "ShopRPC", .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "inventory/Tests"
        ),

        .target(
            name: "OrderService",
            dependencies: [
                "ShopKit", "ShopAMQP", "ShopRPC", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "order/Sources/OrderService",
            swiftSettings: strict
        ),
        .executableTarget(name: "order", dependencies: ["OrderService"], path: "order/Sources/order",
            swiftSettings: strict),
        .testTarget(
            name: "OrderServiceTests",
            dependencies: [
                "OrderService", "ShopRPC", "ShopGRPCTransport", .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "order/Tests"
        ),

        .target(name: "PaymentService", dependencies: ["ShopKit", "ShopRPC"],
            path: "payment/Sources/PaymentService", swiftSettings: strict),
        .executableTarget(name: "payment", dependencies: ["PaymentService"], path: "payment/Sources/payment",
            swiftSettings: strict),
        .testTarget(
            name: "PaymentServiceTests",
            dependencies: [
                "PaymentService", "ShopRPC", .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "payment/Tests"
        ),
    ]
)
