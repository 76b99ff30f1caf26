import BerthGatewayCore
import BerthManifest
import BerthManifestYAML
import Testing

/// Issue 15: `protocol: http1 | h2c | grpc` on a service, for the gateway.
@Suite struct ProtocolKeyTests {
    @Test func defaultsToHTTP1AndReachesTheGatewaySpec() throws {
        let manifest = try ManifestLoader.parse(
            yaml: """
                gateway:
                  listen: 127.0.0.1:8080
                  routes:
                    - { path: /api, service: api }
                    - { path: /, service: web }
                services:
                  api: { command: a, port: auto, protocol: grpc }
                  web: { command: b, port: auto }
                  h2: { command: c, port: auto, protocol: h2c }
                """, file: manifestFile, environment: [:])
        #expect(manifest.services["web"]?.upstreamProtocol == .http1)
        #expect(manifest.services["api"]?.upstreamProtocol == .grpc)
        #expect(manifest.gateway?.upstreamProtocols == ["api": .grpc, "h2": .h2c])
    }

    @Test func unknownProtocolIsAnError() {
        expectError(
            """
            services:
              api: { command: a, port: auto, protocol: http2 }
            """, "'protocol' of service 'api' must be one of http1, h2c, grpc, got 'http2'; did you mean 'http1'?",
            line: 2, column: 44)
    }

    @Test func http2ProtocolNeedsAPort() {
        expectError(
            """
            services:
              api: { command: a, protocol: grpc }
            """,
            "service 'api' declares 'protocol: grpc' but has no 'port': the gateway reaches its replicas on their port",
            line: 2, column: 32)
    }
}
