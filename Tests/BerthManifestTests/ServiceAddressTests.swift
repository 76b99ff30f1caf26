import BerthManifest
import BerthManifestYAML
import Testing

/// `${services.NAME.port}` / `${services.NAME.host}`: kept for spawn time, validated with positions.
@Suite struct ServiceAddressTests {
    @Test func referencesStayPlaceholders() throws {
        let yaml = """
            services:
              db:
                command: a
                port: auto
              web:
                command: ["b", "--db", "${services.db.host}:${services.db.port}"]
                env: { DB_PORT: "${services.db.port}" }
                depends_on: [db]
            """
        let manifest = try ManifestLoader.parse(yaml: yaml, file: manifestFile, environment: [:])
        let web = manifest.services["web"]!
        #expect(
            ServiceAddress.references(of: web).map(\.address.variable)
                == ["services.db.host", "services.db.port", "services.db.port"])
        #expect(ReplicaVariables.expand(web.environment["DB_PORT"]!, values: ["services.db.port": "41000"]) == "41000")
        #expect(ReplicaVariables.display(web.command[2]) == "${services.db.host}:${services.db.port}")
    }

    @Test func unknownService() {
        expectError(
            "services:\n  web:\n    command: a\n    env: { P: \"${services.postgres.port}\" }\n",
            "'${services.postgres.port}' of service 'web' names unknown service 'postgres'", line: 4, column: 12)
    }

    @Test func serviceWithoutPort() {
        expectError(
            "services:\n  db: { command: a }\n  web:\n    command: a\n    depends_on: [db]\n"
                + "    env: { P: \"${services.db.port}\" }\n",
            "'${services.db.port}' of service 'web': service 'db' has no port; set port: auto or a base port",
            line: 6, column: 12)
    }

    @Test func needsTheDependency() {
        expectError(
            "services:\n  db: { command: a, port: auto }\n  web:\n    command: a\n"
                + "    env: { P: \"${services.db.port}\" }\n",
            "'${services.db.port}' of service 'web' needs 'depends_on: [db]' so that its port is known when web "
                + "starts", line: 5, column: 12)
    }

    @Test func onlyInCommandAndEnv() {
        expectError(
            "services:\n  web:\n    command: a\n    workdir: \"${services.db.port}\"\n",
            "invalid variable name 'services.db.port' in '${...}'", line: 4, column: 15)
    }
}
