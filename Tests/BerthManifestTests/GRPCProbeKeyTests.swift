import BerthManifest
import BerthManifestYAML
import Testing

/// `ready: { grpc: ... }` and `health: { grpc: ... }`: the grpc.health.v1 probe.
@Suite struct GRPCProbeKeyTests {
    @Test func grpcTrueAsksForTheOverallStatus() throws {
        let manifest = try ManifestLoader.parse(
            yaml: """
                services:
                  api:
                    command: a
                    port: auto
                    ready: { grpc: true }
                    health: { grpc: { service: shop.Cart }, interval: 2s }
                """, file: manifestFile, environment: [:])
        let api = try #require(manifest.services["api"])
        #expect(api.ready?.check == .grpc(service: nil))
        #expect(api.health?.check == .grpc(service: "shop.Cart"))
        #expect(api.health?.interval == .seconds(2))
    }

    @Test func emptyServiceNameIsTheOverallStatus() throws {
        let manifest = try ManifestLoader.parse(
            yaml: """
                services:
                  api: { command: a, port: auto, ready: { grpc: { service: "" } } }
                """, file: manifestFile, environment: [:])
        #expect(manifest.services["api"]?.ready?.check == .grpc(service: nil))
    }

    @Test func grpcNeedsAPort() {
        expectError(
            """
            services:
              api:
                command: a
                ready: { grpc: true }
            """, "'ready' uses grpc but service 'api' has no port; set port: auto or a base port",
            line: 4, column: 14)
    }

    @Test func grpcIsExclusiveWithOtherChecks() {
        expectError(
            """
            services:
              api:
                command: a
                port: auto
                ready: { tcp: true, grpc: true }
            """, "'ready' must have exactly one of http, tcp, grpc, exec, notify or watchdog, got tcp and grpc",
            line: 5, column: 25)
    }

    @Test func grpcMustBeTrueOrAMapping() {
        expectError(
            """
            services:
              api:
                command: a
                port: auto
                ready: { grpc: shop.Cart }
            """, "'ready.grpc' must be true or a mapping with 'service', got 'shop.Cart'", line: 5, column: 20)
    }

    @Test func unknownKeyInGRPC() {
        expectError(
            """
            services:
              api:
                command: a
                port: auto
                health: { grpc: { servce: shop.Cart } }
            """, "unknown key 'servce' in 'health.grpc'; did you mean 'service'?", line: 5, column: 23)
    }

    @Test func grpcFalseIsNoCheck() {
        expectError(
            """
            services:
              api:
                command: a
                port: auto
                ready: { grpc: false }
            """, "'ready' must have one of http, tcp, grpc, exec or notify", line: 5, column: 12)
    }
}
