import BerthManifest
import BerthManifestYAML
import Testing

@Suite("ManifestDiff")
struct ManifestDiffTests {
    func manifest(_ yaml: String, environment: [String: String] = ["MODE": "a"]) throws -> Manifest {
        try ManifestLoader.parse(yaml: yaml, file: manifestFile, environment: environment)
    }

    static let base = """
        name: shop
        gateway:
          listen: 127.0.0.1:8080
          routes:
            - { path: /, service: web }
        services:
          web:
            command: ./web --port $PORT
            replicas: 3
            port: auto
            env: { MODE: "${MODE}" }
          worker:
            command: ./worker
        """

    @Test func anIdenticalManifestChangesNothing() throws {
        let diff = ManifestDiff(from: try manifest(Self.base), to: try manifest(Self.base))
        #expect(diff.isEmpty)
        #expect(diff.unchanged == ["web", "worker"])
        #expect(diff.plan == ["nothing to change"])
    }

    @Test func theEnvironmentIsComparedAfterInterpolation() throws {
        let one = try manifest(Self.base, environment: ["MODE": "a"])
        #expect(ManifestDiff(from: one, to: try manifest(Self.base, environment: ["MODE": "a"])).isEmpty)
        let diff = ManifestDiff(from: one, to: try manifest(Self.base, environment: ["MODE": "b"]))
        #expect(diff.changed == ["web": ["env"]])
        #expect(diff.unchanged == ["worker"])
        #expect(diff.plan == ["roll web (changed: env)"])
    }

    @Test func replicasAloneRescaleWithoutRolling() throws {
        let edited = Self.base.replacingOccurrences(of: "replicas: 3", with: "replicas: 5")
        let diff = ManifestDiff(from: try manifest(Self.base), to: try manifest(edited))
        #expect(diff.changed.isEmpty)
        #expect(diff.rescaled == ["web": 5])
        #expect(diff.unchanged == ["web", "worker"])
        #expect(diff.plan == ["scale web to 5"])
    }

    @Test func commandPortAndProbesAreChanges() throws {
        let edited = Self.base
            .replacingOccurrences(of: "./web --port $PORT", with: "./web --port $PORT --verbose")
            .replacingOccurrences(of: "port: auto", with: "port: 9000\n    ready: { http: /healthz }")
        let diff = ManifestDiff(from: try manifest(Self.base), to: try manifest(edited))
        #expect(diff.changed == ["web": ["command", "port", "ready"]])
    }

    @Test func addedAndRemovedServicesAndRoutes() throws {
        let edited = Self.base
            .replacingOccurrences(
                of: "  worker:\n    command: ./worker", with: "  api:\n    command: ./api\n    port: auto"
            )
            .replacingOccurrences(
                of: "    - { path: /, service: web }",
                with: "    - { path: /, service: web }\n    - { path: /api, service: api }")
        let diff = ManifestDiff(from: try manifest(Self.base), to: try manifest(edited))
        #expect(diff.added == ["api"])
        #expect(diff.removed == ["worker"])
        #expect(diff.routesChanged)
        #expect(diff.refused.isEmpty)
        #expect(diff.plan == ["start api (new)", "drain and stop worker (removed)", "replace the gateway routes"])
    }

    @Test func listenAddressesAreRefusedOtherGatewaySettingsAndBalanceApplied() throws {
        let moved = Self.base.replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:8081")
        #expect(
            ManifestDiff(from: try manifest(Self.base), to: try manifest(moved)).refused
                == ["restart the daemon to change gateway.listen"])
        let tuned = Self.base.replacingOccurrences(
            of: "  listen: 127.0.0.1:8080", with: "  listen: 127.0.0.1:8080\n  retries: 5\n  access_log: false")
        let diff = ManifestDiff(from: try manifest(Self.base), to: try manifest(tuned))
        #expect(diff.refused.isEmpty)
        #expect(diff.gatewaySettingsChanged)
        #expect(!diff.routesChanged)
        #expect(diff.plan == ["apply the changed gateway settings"])
        let rebalanced = Self.base.replacingOccurrences(
            of: "  listen: 127.0.0.1:8080", with: "  listen: 127.0.0.1:8080\n  balance: round_robin")
        // `balance` applies on reload too (issue 14): the balancers switch policy in place.
        let balanced = ManifestDiff(from: try manifest(Self.base), to: try manifest(rebalanced))
        #expect(balanced.refused.isEmpty)
        #expect(balanced.gatewaySettingsChanged)
        #expect(balanced.plan == ["apply the changed gateway settings"])
    }

    /// Other certificate files for the same address load on reload (issue 13, finding 8); turning TLS on or off
    /// for an address rebuilds its listener and needs a restart.
    @Test func otherCertificateFilesAreAcceptedTurningTLSOffIsRefused() throws {
        let folder = #filePath.replacingOccurrences(
            of: "BerthManifestTests/ManifestDiffTests.swift", with: "BerthGatewayTests/TLS")
        func tls(_ prefix: String) -> String {
            Self.base.replacingOccurrences(
                of: "  listen: 127.0.0.1:8080",
                with: "  listen:\n    - { address: \"127.0.0.1:8080\", tls: { cert: \(folder)/\(prefix)cert.pem, "
                    + "key: \(folder)/\(prefix)key.pem } }")
        }
        let renewed = ManifestDiff(from: try manifest(tls("")), to: try manifest(tls("renewed-")))
        #expect(renewed.refused.isEmpty, "\(renewed.refused)")
        #expect(renewed.unchanged == ["web", "worker"])
        let plain = ManifestDiff(from: try manifest(tls("")), to: try manifest(Self.base))
        #expect(plain.refused == ["restart the daemon to turn TLS on or off for a listen address"])
    }

    @Test func sourceLocationsAloneAreNoChange() throws {
        // The same manifest with a comment on top: every key moved one line down.
        let diff = ManifestDiff(from: try manifest(Self.base), to: try manifest("# edited\n" + Self.base))
        #expect(diff.isEmpty)
    }

    @Test func aRebuiltServiceRollsEvenWhenTheManifestIsTheSame() throws {
        var diff = ManifestDiff(from: try manifest(Self.base), to: try manifest(Self.base))
        diff.markRebuilt("worker")
        #expect(diff.changed == ["worker": ["build output"]])
        #expect(diff.unchanged == ["web"])
        #expect(diff.plan == ["roll worker (changed: build output)"])
        let edited = Self.base.replacingOccurrences(of: "./worker", with: "./worker --fast")
        var both = ManifestDiff(from: try manifest(Self.base), to: try manifest(edited))
        both.markRebuilt("worker")
        both.markRebuilt("worker")
        #expect(both.changed == ["worker": ["command", "build output"]])
    }
}
