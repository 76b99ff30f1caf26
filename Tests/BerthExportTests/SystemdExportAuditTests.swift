import BerthExport
import BerthManifest
import Testing

/// Found by the fourth outside audit (audit4): what the systemd export wrote did not mean what the manifest said.
@Suite struct SystemdExportAuditTests {
    private func unit(_ service: String, version: Int = 252) throws -> String {
        let manifest = try ExportFixtures.loadYAML("services:\n  web: \(service)\n")
        let result = SystemdExporter.export(manifest, options: .init(systemdVersion: version))
        return try #require(result.contents(of: "app-web@.service"))
    }

    /// systemd reads `TimeoutStopSec=0` as "no timeout": the broken export wrote `0s`, so a replica that ignores
    /// SIGTERM was never killed, where Berth kills it right after the stop signal.
    @Test func aZeroStopTimeoutStillEndsInSIGKILL() throws {
        let text = try unit("{ command: app, stop: { timeout: 0s } }")
        #expect(text.contains("TimeoutStopSec=1us\n"))
        #expect(!text.contains("TimeoutStopSec=0"))
        #expect(try unit("{ command: app, stop: { timeout: 3s } }").contains("TimeoutStopSec=3s\n"))
    }

    /// With `initial: 0s` the step count divided by zero and the export crashed (Int of infinity). Berth's backoff
    /// from 0 stays 0, so the unit restarts at once, with no steps and no warning about them.
    @Test func aZeroInitialBackoffExportsWithoutSteps() throws {
        for version in [252, 254] {
            let text = try unit("{ command: app, restart: { backoff: { initial: 0s, max: 10s } } }", version: version)
            #expect(text.contains("RestartSec=0s\n"))
            #expect(!text.contains("RestartSteps="))
        }
    }
}

/// Found by the fourth outside audit (audit4): `health: { gateway_failures: 3 }` vanished from both exports without
/// a warning (the broken exporters print nothing at all for this manifest but the port warning).
@Suite struct GatewayFailuresExportAuditTests {
    @Test func bothExportsNameTheDroppedGatewayFailures() throws {
        let manifest = try ExportFixtures.loadYAML(
            """
            services:
              web:
                image: app:1
                command: app
                port: 8000
                health: { gateway_failures: 3 }
            """)
        for result in [KubernetesExporter.export(manifest), SystemdExporter.export(manifest)] {
            let found = result.warnings.filter { $0.message.contains("health.gateway_failures of service 'web'") }
            #expect(found.count == 1, "\(result.warnings)")
            #expect(found.first.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0)" } == "6:15")
        }
    }
}
