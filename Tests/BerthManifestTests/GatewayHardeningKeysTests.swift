import BerthManifest
import Testing

/// The gateway keys for hostile clients: `max_headers`, `send_timeout`, `body_timeout`, `trust_forwarded`, a route's
/// `deadline`.
@Suite struct GatewayHardeningKeysTests {
    static let services = """
        services:
          web:
            command: sleep 1
            port: auto
        """

    @Test func keysAndDefaults() throws {
        let plain = try #require(load("gateway:\n  routes: [{ path: /, service: web }]\n" + Self.services))
        let defaults = try #require(plain.gateway)
        #expect(defaults.maxHeaders == 100)
        #expect(defaults.sendTimeout == .seconds(30))
        #expect(defaults.bodyTimeout == .seconds(20))
        #expect(defaults.trustForwarded == [])
        #expect(defaults.routes[0].deadline == nil)
        let manifest = try #require(
            load(
                """
                gateway:
                  max_headers: 50
                  send_timeout: 5s
                  body_timeout: 3s
                  trust_forwarded: [10.0.0.0/8, "2001:db8::/32", 127.0.0.1]
                  routes: [{ path: /, service: web, deadline: 90s }]

                """ + Self.services))
        let gateway = try #require(manifest.gateway)
        #expect(gateway.maxHeaders == 50)
        #expect(gateway.sendTimeout == .seconds(5))
        #expect(gateway.bodyTimeout == .seconds(3))
        #expect(gateway.trustForwarded == ["10.0.0.0/8", "2001:db8::/32", "127.0.0.1"])
        #expect(gateway.routes[0].deadline == .seconds(90))
        let single = try #require(load("gateway:\n  trust_forwarded: 192.168.0.0/16\n" + Self.services))
        #expect(single.gateway?.trustForwarded == ["192.168.0.0/16"])
    }

    @Test func badValuesArePositionedErrors() {
        expectError(
            "gateway:\n  trust_forwarded: [10.0.0.0/8, 10.0.0.0/33]\n" + Self.services,
            "invalid address block '10.0.0.0/33' in 'trust_forwarded'; expected an IPv4 or IPv6 address, "
                + "optionally with /BITS (10.0.0.0/8, 2001:db8::/32)", line: 2, column: 33)
        expectError(
            "gateway:\n  trust_forwarded: [{ a: 1 }]\n" + Self.services,
            "'trust_forwarded' must be a list of address blocks, got a mapping", line: 2, column: 21)
        expectError(
            "gateway:\n  max_headers: 0\n" + Self.services, "'max_headers' must be >= 1, got 0",
            line: 2, column: 16)
        expectError(
            "gateway:\n  max_headers: 20000\n" + Self.services, "'max_headers' must be <= 10000, got 20000",
            line: 2, column: 16)
        expectError(
            "gateway:\n  send_timeout: 0s\n" + Self.services, "'send_timeout' must be greater than 0, got 0s",
            line: 2, column: 17)
        expectError(
            "gateway:\n  body_timeout: 0s\n" + Self.services, "'body_timeout' must be greater than 0, got 0s",
            line: 2, column: 17)
        expectError(
            "gateway:\n  routes: [{ path: /, service: web, deadline: soon }]\n" + Self.services,
            "'deadline' is not a valid duration: 'soon' (use e.g. 250ms, 2s, 1m30s)", line: 2, column: 47)
    }
}
