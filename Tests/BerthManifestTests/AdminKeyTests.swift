import BerthManifest
import BerthManifestYAML
import Testing

/// The top-level `admin:` key.
@Suite struct AdminKeyTests {
    @Test func shortFormIsALoopbackAddressWithoutToken() throws {
        let manifest = try ManifestLoader.parse(
            yaml: """
                admin: 127.0.0.1:9090
                services:
                  web: { command: sleep 1 }
                """, file: manifestFile, environment: [:])
        #expect(
            manifest.admin
                == AdminSpec(
                    listen: ListenAddress(host: "127.0.0.1", port: 9090),
                    location: SourceLocation(file: manifestFile, line: 1, column: 1)))
    }

    @Test func longFormTakesAnInterpolatedToken() throws {
        let manifest = try ManifestLoader.parse(
            yaml: """
                admin: { listen: "0.0.0.0:9090", token: "${ADMIN_TOKEN}" }
                services:
                  web: { command: sleep 1 }
                """, file: manifestFile, environment: ["ADMIN_TOKEN": "0123456789abcdef0123"])
        #expect(manifest.admin?.listen == ListenAddress(host: "0.0.0.0", port: 9090))
        #expect(manifest.admin?.token == "0123456789abcdef0123")
        #expect(manifest.warnings.isEmpty)
    }

    @Test func absentMeansOff() throws {
        let manifest = try ManifestLoader.parse(
            yaml: "services:\n  web: { command: sleep 1 }\n", file: manifestFile,
            environment: [:])
        #expect(manifest.admin == nil)
    }

    @Test func nonLoopbackWithoutTokenIsRefused() {
        expectError(
            """
            admin: 0.0.0.0:9090
            services:
              web: { command: sleep 1 }
            """,
            "admin listener 0.0.0.0:9090 is reachable from other machines; set 'token' (admin: { listen: "
                + "0.0.0.0:9090, token: ${ADMIN_TOKEN} }) or listen on 127.0.0.1", line: 1, column: 8)
    }

    @Test func missingListenAndBadTokenAndClashAreErrors() {
        expectError(
            """
            admin: { token: abcdefabcdefabcdef }
            services:
              web: { command: sleep 1 }
            """, "'admin' has no 'listen' address (host:port)", line: 1, column: 8)
        expectError(
            """
            admin: { listen: "127.0.0.1:9090", token: "a b" }
            services:
              web: { command: sleep 1 }
            """, "'admin.token' must be a non-empty string without spaces", line: 1, column: 43)
        expectError(
            """
            admin: { listen: 127.0.0.1:8080, tokn: x }
            services:
              web: { command: sleep 1 }
            """, "unknown key 'tokn' in 'admin'; did you mean 'token'?", line: 1, column: 34)
        expectError(
            """
            admin: 127.0.0.1:8080
            gateway:
              listen: 0.0.0.0:8080
              routes: [{ path: /, service: web }]
            services:
              web: { command: sleep 1, port: auto }
            """, "admin listener 127.0.0.1:8080 uses the gateway's port 8080", line: 1, column: 8)
    }

    /// Issue #13, finding 9: a host name that starts with `127.` is not loopback (its DNS says where it is).
    @Test func onlyLoopbackLiteralsGoWithoutAToken() throws {
        expectError(
            """
            admin: 127.example.com:9090
            services:
              web: { command: sleep 1 }
            """,
            "admin listener 127.example.com:9090 is reachable from other machines; set 'token' (admin: { listen: "
                + "127.example.com:9090, token: ${ADMIN_TOKEN} }) or listen on 127.0.0.1", line: 1, column: 8)
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "[::1]"] {
            let manifest = try ManifestLoader.parse(
                yaml: """
                    admin: "\(host):9090"
                    services:
                      web: { command: sleep 1 }
                    """, file: manifestFile, environment: [:])
            #expect(manifest.admin?.token == nil, "\(host)")
        }
        for host in ["127.0.0.1.nip.io", "127.0.0.256", "127.0.0"] {
            #expect(!AdminSpec.isLoopback(host), "\(host)")
        }
    }

    @Test func shortTokenIsAWarning() throws {
        let manifest = try ManifestLoader.parse(
            yaml: """
                admin: { listen: 127.0.0.1:9090, token: short }
                services:
                  web: { command: sleep 1 }
                """, file: manifestFile, environment: [:])
        #expect(manifest.warnings.map(\.message) == ["'admin.token' is short (5 characters); use at least 16"])
    }
}

/// `health.gateway_failures`.
@Suite struct GatewayFailuresKeyTests {
    @Test func standsAloneOrBesideAProbe() throws {
        let manifest = try ManifestLoader.parse(
            yaml: """
                services:
                  web: { command: sleep 1, port: auto, health: { gateway_failures: 3 } }
                  api: { command: sleep 1, port: auto, health: { http: /healthz, gateway_failures: 5 } }
                  other: { command: sleep 1 }
                """, file: manifestFile, environment: [:])
        #expect(manifest.services["web"]?.gatewayFailures == 3)
        #expect(manifest.services["web"]?.health == nil)
        #expect(manifest.services["api"]?.gatewayFailures == 5)
        #expect(manifest.services["api"]?.health?.check == .http(path: "/healthz"))
        #expect(manifest.services["other"]?.gatewayFailures == nil)
    }

    @Test func invalidValuesAndPlacesAreErrors() {
        expectError(
            """
            services:
              web: { command: sleep 1, port: auto, health: { gateway_failures: 0 } }
            """, "'gateway_failures' must be >= 1, got 0", line: 2, column: 68)
        expectError(
            """
            services:
              web: { command: sleep 1, port: auto, health: { gateway_failures: many } }
            """, "'gateway_failures' must be an integer, got 'many'", line: 2, column: 68)
        expectError(
            """
            services:
              web: { command: sleep 1, port: auto, ready: { http: /r, gateway_failures: 2 } }
            """, "'gateway_failures' belongs in 'health' (a liveness signal), not in 'ready'", line: 2, column: 59)
    }
}

/// TLS listen addresses of the gateway.
@Suite struct GatewayTLSKeyTests {
    @Test func aListenEntryMayServeHTTPS() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("cert.pem", "-----BEGIN CERTIFICATE-----\n")
        try folder.write("key.pem", "-----BEGIN PRIVATE KEY-----\n")
        let manifest = try ManifestLoader.parse(
            yaml: """
                gateway:
                  listen:
                    - 127.0.0.1:8080
                    - { address: "127.0.0.1:8443", tls: { cert: cert.pem, key: ./key.pem } }
                  routes: [{ path: /, service: web }]
                services:
                  web: { command: sleep 1, port: auto }
                """, file: folder.path + "/berth.yaml", environment: [:])
        let gateway = try #require(manifest.gateway)
        #expect(
            gateway.listen == [
                ListenAddress(host: "127.0.0.1", port: 8080), ListenAddress(host: "127.0.0.1", port: 8443),
            ])
        #expect(
            gateway.tls == [
                ListenAddress(host: "127.0.0.1", port: 8443):
                    TLSFiles(certificate: folder.path + "/cert.pem", privateKey: folder.path + "/key.pem")
            ])
    }

    @Test func missingFilesAndKeysAreErrors() {
        expectError(
            """
            gateway:
              listen: [{ address: "127.0.0.1:8443", tls: { cert: /nonexistent/cert.pem, key: /dev/null } }]
            services:
              web: { command: sleep 1 }
            """, "tls cert file '/nonexistent/cert.pem' not found", line: 2, column: 54,
            sourceLocation: #_sourceLocation)
        expectError(
            """
            gateway:
              listen: [{ tls: { cert: a, key: b } }]
            services:
              web: { command: sleep 1 }
            """, "listen address has no 'address' (host:port)", line: 2, column: 12)
        expectError(
            """
            gateway:
              listen: [{ address: "127.0.0.1:8443", tls: { cert: /dev/null, key: /dev/null, certficate: a } }]
            services:
              web: { command: sleep 1 }
            """, "unknown key 'certficate' in 'tls'", line: 2, column: 81)
    }
}
