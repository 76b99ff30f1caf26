import BerthExport
import BerthManifest
import Testing

/// `${services.NAME.host}:${services.NAME.port}` exported: the Kubernetes Service's name and port; on one host
/// (systemd) 127.0.0.1 and the port of the named service's instance 0.
struct ServiceAddressExportTests {
    let yaml = """
        name: app
        services:
          db:
            image: postgres
            command: ["postgres"]
            port: 5432
          web:
            image: web
            command: ["web", "--db", "${services.db.host}:${services.db.port}"]
            env: { DB_PORT: "${services.db.port}" }
            depends_on: [db]
        """

    @Test func kubernetes() throws {
        let result = KubernetesExporter.export(try ExportFixtures.loadYAML(yaml))
        let web = try #require(result.contents(of: "web.yaml"))
        #expect(web.contains("- db:80"), "\(web)")
        #expect(web.contains("name: DB_PORT\n          value: \"80\"") || web.contains("value: \"80\""), "\(web)")
    }

    @Test func systemd() throws {
        let result = SystemdExporter.export(
            try ExportFixtures.loadYAML(yaml),
            options: .init(resolveProgram: ExportFixtures.debianPrograms))
        let unit = try #require(result.contents(of: "app-web@.service"))
        #expect(unit.contains("ExecStart=/usr/bin/web --db 127.0.0.1:5432"), "\(unit)")
        let dropIn = try #require(result.contents(of: "app-web@0.service.d/10-berth-replica.conf"))
        #expect(dropIn.contains("Environment=DB_PORT=5432"), "\(dropIn)")
    }
}
