import BerthManifest
import Testing

/// `keepalive` on an http probe: on by default, `false` turns it off, an error anywhere else or with a non-boolean.
@Suite struct ProbeKeepAliveKeyTests {
    @Test func onByDefaultAndOffWithFalse() {
        let manifest = load(
            """
            services:
              api:
                command: a
                port: auto
                ready: { http: /ready }
                health: { http: /health, keepalive: false }
            """)
        #expect(manifest?.services["api"]?.ready?.keepAlive == true)
        #expect(manifest?.services["api"]?.health?.keepAlive == false)
    }

    @Test func aBadValueOrANonHTTPCheckIsAnError() {
        expectError(
            "services:\n  api: { command: a, port: auto, ready: { http: /, keepalive: sometimes } }\n",
            "'keepalive' must be true or false, got 'sometimes'", line: 2, column: 63)
        expectError(
            "services:\n  api: { command: a, port: auto, ready: { tcp: true, keepalive: true } }\n",
            "'ready.keepalive' applies to http probes only (a kept-alive HTTP connection)", line: 2, column: 54)
    }
}
