// swift-tools-version: 6.1
import PackageDescription

#if os(Linux)
    import Glibc
#endif

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "berth",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "berth", targets: ["berth"]),
        .executable(name: "berthd", targets: ["berthd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
    ],
    targets: [
        // The one system-call layer: typed errno errors, EINTR retries, writeAll, sockaddr helpers, passwd lookups.
        .target(name: "BerthSystem", swiftSettings: strict),
        // C helpers: fork/exec with setsid and setuid, child subreaper, wait-status macros, SO_PEERCRED.
        .target(name: "CBerthShim"),
        // libsystemd's journal API (writing and reading), headers from libsystemd-dev; the library itself is
        // loaded with dlopen on first use (CSystemd.h: berthd maps it only when it needs it).
        .target(name: "CSystemd"),
        // Log records and their drivers (journald, files), the writer thread with per-replica backpressure, the
        // readers behind `berth logs`, a swift-log handler for the daemon's events.
        .target(
            name: "BerthLogging",
            dependencies: ["BerthSystem", "CSystemd", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // The sd_notify protocol: messages, sending to NOTIFY_SOCKET, listening on a replica's socket.
        .target(
            name: "BerthNotify", dependencies: ["BerthSystem", "CBerthShim", "BerthProcess"], swiftSettings: strict
        ),
        // Resource usage of replicas (/proc) and their limits (cgroup v1 and v2 drivers): pure parsers and plans,
        // and the thin layer that reads and writes the files.
        .target(name: "BerthResources", dependencies: ["BerthSystem"], swiftSettings: strict),
        // Hooks on events (`on_failure:`, `on_event:`): the specs, the events they fire on, the bounded delivery queue.
        .target(name: "BerthHooks", dependencies: ["BerthControlProtocol"], swiftSettings: strict),
        // Scheduled jobs: cron expressions (with time zones and DST), intervals, and the pure schedule machine.
        .target(name: "BerthSchedule", swiftSettings: strict),
        // The manifest's model (Codable values, diagnostics, the diff of a reload): what berthd links. No YAML here:
        // Yams' resolver links full Foundation (NSRegularExpression, CoreFoundation, ICU) into whatever uses it.
        .target(
            name: "BerthManifest",
            dependencies: [
                "BerthGatewayCore", "BerthResources",
                "BerthSystem", "BerthSchedule", "BerthHooks",
            ],
            swiftSettings: strict
        ),
        // The manifest's YAML loading: parse with positions, interpolation, the builder, validation. Only the CLI links
        // it; berthd gets the resolved manifest as JSON from `berth resolve` (docs/architecture.md).
        .target(
            name: "BerthManifestYAML",
            dependencies: [
                "BerthManifest", .product(name: "Yams", package: "Yams"),
                "BerthGatewayCore", "BerthResources", "BerthSystem", "BerthSchedule", "BerthHooks",
            ],
            swiftSettings: strict
        ),
        // Pure, value-type state machines: replica lifecycle, backoff, give-up window, probes, scaling.
        .target(name: "BerthSupervisorCore", swiftSettings: strict),
        // Spawning, reaping and output capture of real processes.
        .target(name: "BerthProcess", dependencies: ["BerthSystem", "CBerthShim"], swiftSettings: strict),
        // HTTP, TCP, gRPC health (HTTP/2) and exec probes.
        .target(
            name: "BerthProbes",
            dependencies: [
                "BerthProcess",
                "BerthSystem",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ],
            swiftSettings: strict
        ),
        // Shared, versioned Codable types of the control API (daemon and CLI).
        .target(name: "BerthControlProtocol", swiftSettings: strict),
        // The supervisor service: runs the state machines against real processes and probes.
        .target(
            name: "BerthSupervisor",
            dependencies: [
                "BerthLogging", "BerthManifest", "BerthNotify", "BerthSupervisorCore", "BerthProcess", "BerthProbes",
                "BerthControlProtocol", "BerthResources",
                "BerthSchedule", "BerthHooks",
                "CBerthShim",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // What every listener of the daemon shares (gateway, control API, admin): pausing accept when out of fds.
        .target(
            name: "BerthListening",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The gateway's pure core: HTTP/1.1 framing, head rewriting, routes, replica balancing (no I/O).
        .target(name: "BerthGatewayCore", swiftSettings: strict),
        // The gateway's HTTP/2 side: h2c and h2 (ALPN) clients, multiplexed h2c/gRPC upstreams balanced per stream,
        // gRPC statuses for the gateway's own errors.
        .target(
            name: "BerthGatewayHTTP2",
            dependencies: [
                "BerthGatewayCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // The HTTP gateway: a SwiftNIO reverse proxy that forwards bytes to ready replicas.
        .target(
            name: "BerthGateway",
            dependencies: [
                "BerthListening",
                "BerthGatewayCore",
                "BerthGatewayHTTP2",
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The control API server: HTTP/JSON on a Unix socket, owner-only.
        .target(
            name: "BerthControlServer",
            dependencies: [
                "BerthListening",
                "BerthControlProtocol", "CBerthShim",
                "BerthSystem",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The admin listener: `/metrics` in Prometheus text format and the dashboard, behind an optional bearer token.
        .target(
            name: "BerthAdmin",
            dependencies: [
                "BerthListening",
                "BerthControlProtocol",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The dashboard's script and stylesheet, compiled into the binary (no bundle lookup at run time).
            resources: [.embedInCode("Assets/dashboard.js"), .embedInCode("Assets/dashboard.css")],
            swiftSettings: strict
        ),
        // Exports a manifest to Kubernetes objects and systemd units (pure functions, no I/O).
        .target(
            name: "BerthExport", dependencies: ["BerthManifest", "BerthResources", "BerthSchedule"],
            swiftSettings: strict),
        // A small blocking client of the control API for the CLI.
        .target(
            name: "BerthControlClient",
            dependencies: ["BerthControlProtocol", "CBerthShim", "BerthSystem", "BerthGatewayCore"],
            swiftSettings: strict),
        // The `berth` commands.
        .target(
            name: "BerthCLI",
            dependencies: [
                "BerthManifest", "BerthControlProtocol", "BerthControlClient", "BerthExport", "BerthLogging",
                "BerthResources",
                "BerthManifestYAML",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "berth", dependencies: ["BerthCLI"], swiftSettings: strict),
        .executableTarget(
            name: "berthd",
            dependencies: [
                "BerthSupervisor", "BerthControlServer", "BerthManifest", "BerthGateway", "BerthGatewayCore",
                "BerthAdmin", "BerthResources",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                "BerthLogging", "BerthNotify",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict,
            linkerSettings: daemonLinkerSettings
        ),
        // Helpers shared by test targets and benchmarks (a blocking HTTP client and a load generator); not shipped.
        .target(name: "BerthTestSupport", dependencies: ["BerthGatewayCore", "BerthSystem"], swiftSettings: strict),
        // A test fixture: a tiny HTTP server with switches for crashing, hanging and misbehaving.
        .executableTarget(name: "berth-fixture", dependencies: ["CBerthShim"], swiftSettings: strict),
        // libFuzzer harness of the gateway's framing code; scripts/fuzz.sh builds it with -sanitize=fuzzer and
        // -DFUZZING; a normal build makes a replayer of corpus files instead.
        // What the fuzz targets share: libFuzzer's driver in a fuzz build, replaying input files in a normal one.
        .target(name: "FuzzDriver", swiftSettings: strict),
        .executableTarget(
            name: "gateway-fuzz", dependencies: ["BerthGatewayCore", "FuzzDriver"], swiftSettings: strict),
        // libFuzzer harnesses of the manifest loader and the control API's request decoding, built like gateway-fuzz.
        .executableTarget(
            name: "manifest-fuzz", dependencies: ["BerthManifestYAML", "FuzzDriver"], swiftSettings: strict),
        .executableTarget(
            name: "control-fuzz", dependencies: ["BerthControlServer", "BerthControlProtocol", "FuzzDriver"],
            swiftSettings: strict),
        // libFuzzer harness of the gateway's HTTP/2 side (NIOHTTP2 server pipeline, stream proxy, HTTP/1.1 bridge).
        .executableTarget(
            name: "http2-fuzz",
            dependencies: [
                "BerthGatewayHTTP2", "BerthGatewayCore", "FuzzDriver",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        .testTarget(name: "BerthLoggingTests", dependencies: ["BerthLogging", "BerthNotify"]),
        .testTarget(name: "BerthManifestTests", dependencies: ["BerthManifest", "BerthManifestYAML"]),
        .testTarget(name: "BerthScheduleTests", dependencies: ["BerthSchedule"]),
        .testTarget(name: "BerthHooksTests", dependencies: ["BerthHooks", "BerthControlProtocol"]),
        .testTarget(name: "BerthResourcesTests", dependencies: ["BerthResources"]),
        .testTarget(name: "BerthSystemTests", dependencies: ["BerthSystem"]),
        .testTarget(name: "BerthSupervisorCoreTests", dependencies: ["BerthSupervisorCore"]),
        .testTarget(
            name: "BerthSupervisorTests",
            dependencies: [
                "BerthSupervisor", "BerthManifest", "BerthProcess",
                "BerthManifestYAML",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "BerthAdminTests",
            dependencies: [
                "BerthAdmin", "BerthControlProtocol", "BerthTestSupport",
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(name: "BerthProcessTests", dependencies: ["BerthProcess", "CBerthShim"]),
        .testTarget(
            name: "BerthControlTests",
            dependencies: ["BerthControlServer", "BerthControlClient", "BerthControlProtocol", "BerthProbes"]
        ),
        .testTarget(name: "BerthCLITests", dependencies: ["BerthCLI"]),
        .testTarget(
            name: "BerthGatewayTests",
            dependencies: [
                "BerthGateway", "BerthGatewayCore", "BerthProcess", "BerthTestSupport", "berth-fixture",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            exclude: ["TLS"]
        ),
        .testTarget(
            name: "BerthExportTests", dependencies: ["BerthExport", "BerthManifest", "BerthManifestYAML"],
            exclude: ["Golden"]),
        .testTarget(name: "BerthGatewayCoreTests", dependencies: ["BerthGatewayCore", "BerthTestSupport"]),
        .testTarget(
            name: "BerthGatewayHTTP2Tests",
            dependencies: [
                "BerthGatewayHTTP2", "BerthGateway", "BerthGatewayCore", "BerthTestSupport",
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "BerthIntegrationTests",
            dependencies: [
                "BerthControlProtocol", "BerthControlClient", "BerthTestSupport", "BerthNotify", "berth", "berthd",
                "berth-fixture",
            ]
        ),
    ]
)

// scripts/fuzz.sh builds every fuzz harness in one `swift build` with BERTH_FUZZ_BUILD=1: the package is then only
// the harnesses and the targets they depend on (SwiftPM builds one product per invocation, or all of them). Only
// Berth's own parsing modules are instrumented (libFuzzer coverage and AddressSanitizer); dependencies are built as
// usual, so that a fuzz build can reuse the objects of a normal debug build (scripts/test.sh shares `.build`).
if Context.environment["BERTH_FUZZ_BUILD"] != nil {
    let harnesses = Set<String>(["gateway-fuzz", "manifest-fuzz", "control-fuzz"])
        .union(["http2-fuzz"])
    let parsers = Set<String>(["BerthGatewayCore", "BerthManifest", "BerthControlProtocol", "BerthControlServer"])
        .union(["BerthGatewayHTTP2"])
        .union(["BerthManifestYAML"])
    let instrumented = harnesses.union(parsers)
    let byName = Dictionary(uniqueKeysWithValues: package.targets.map { ($0.name, $0) })
    var keep = Set<String>()
    var pending = Array(harnesses)
    while let name = pending.popLast() {
        guard keep.insert(name).inserted, let target = byName[name] else { continue }
        for dependency in target.dependencies {
            switch dependency {
            case .targetItem(let name, _), .byNameItem(let name, _): pending.append(name)
            case .productItem: break
            @unknown default: break
            }
        }
    }
    package.targets.removeAll { !keep.contains($0.name) }
    package.products = []
    for target in package.targets where target.name == "FuzzDriver" {
        target.swiftSettings = (target.swiftSettings ?? []) + [.define("FUZZING")]
    }
    for target in package.targets where instrumented.contains(target.name) {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-sanitize=fuzzer,address"])]
        if harnesses.contains(target.name) {
            target.swiftSettings! += [.unsafeFlags(["-parse-as-library"]), .define("FUZZING")]
            target.linkerSettings = [.unsafeFlags(["-sanitize=fuzzer,address"])]
        }
    }
}

// berthd's release link on Linux, measured with 100 children (BENCHMARKS.md, "Supervisor"): lld instead of gold, and
// no `-export-dynamic` (the static stdlib's link arguments ask for it; nothing loads plugins into berthd) saves the
// dynamic symbol table the loader walks at start; with glibc >= 2.36, relative relocations packed as RELR save the
// 2.6 MB `.rela.dyn` the loader reads at every start. Debug builds link as before.
var daemonLinkerSettings: [LinkerSetting] {
    var flags = ["-use-ld=lld", "-Xlinker", "--no-export-dynamic"]
    if glibcHasRELR { flags += ["-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"] }
    return [.unsafeFlags(flags, .when(platforms: [.linux], configuration: .release))]
}

// Whether the glibc that builds (and so, normally, runs) berthd applies DT_RELR relocations (2.36 and later); an older
// loader refuses such a binary ("GLIBC_ABI_DT_RELR not found"), so it is only asked for where it works.
var glibcHasRELR: Bool {
    #if os(Linux)
        var buffer = [CChar](repeating: 0, count: 64)
        guard confstr(Int32(_CS_GNU_LIBC_VERSION), &buffer, buffer.count) > 0 else { return false }
        // "glibc 2.36"
        let version = String(cString: buffer).split(separator: " ").last ?? ""
        let parts = version.split(separator: ".").compactMap { Int($0) }
        return parts.count >= 2 && (parts[0], parts[1]) >= (2, 36)
    #else
        return false
    #endif
}

// The gateway's pure pool is generic over the shell's handles: in release builds its code must be specialized in
// BerthGateway, not run through generic metadata lookups on every request (measured: 13 % of the instructions).
for target in package.targets where target.name == "BerthGatewayCore" {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))
    ]
}

// The gateway's event-loop classes (ClientHandler, GatewayLoop) are touched only on their event loop; in release builds
// the dynamic exclusivity checks of their stored properties cost ~2,600 instructions per proxied request
// (`swift_beginAccess`, bench/gateway-profile.sh). Debug builds, and so the tests, keep the checks.
for target in package.targets where target.name == "BerthGateway" {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
    ]
}
