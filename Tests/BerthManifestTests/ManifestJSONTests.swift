import BerthManifest
import BerthManifestYAML
import Foundation
import Testing

/// berthd reads no YAML: `berth resolve` sends it the resolved manifest as JSON. Every value must come back equal,
/// or the daemon would run something other than what `berth check` validated.
@Suite struct ManifestJSONTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test(arguments: [
        "manifests/full.yaml", "manifests/export.yaml", "manifests/export-grpc.yaml", "manifests/schedule.yaml",
        "manifests/minimal.yaml", "examples/shop/berth.yaml", "examples/hello/berth.yaml",
    ])
    func repositoryManifestsSurviveTheTrip(_ path: String) throws {
        let manifest = try ManifestLoader.load(
            path: Self.root + "/" + path, environment: ["USER": "tester"], accounts: .skip)
        let back = try Manifest(json: manifest.json())
        #expect(back == manifest)
        // Equality of secrets is by fingerprint; the text itself must also arrive, since the replica gets it.
        for (name, spec) in manifest.services {
            for (key, secret) in spec.secrets {
                #expect(back.services[name]?.secrets[key]?.revealed == secret.revealed)
            }
        }
    }

    @Test func everyKindOfValueSurvivesTheTrip() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write(
            "berth.yaml",
            """
            name: trip
            port_range: 20000-20099
            admin: { listen: 127.0.0.1:9100, token: "${ADMIN_TOKEN}" }
            log: { driver: file }
            on_failure: { command: [sh, -c, "echo failed"] }
            gateway:
              listen: [127.0.0.1:8080]
              routes:
                - { path: /api, service: api, strip_prefix: true, timeout: 2s, retries: 1 }
                - { path: /, service: web, host: web.localhost }
            services:
              api:
                command: [sh, -c, "exec sleep 60"]
                port: auto
                replicas: 2
                env:
                  PLAIN: "${PLAIN_VALUE}"
                  TOKEN: { secret: "${API_TOKEN}" }
                env_inherit: [LANG, "LC_*"]
                ready: { tcp: true, interval: 250ms }
                health: { exec: [sh, -c, "true"], interval: 2s }
                restart: { policy: on-failure, reset_after: 1s, give_up: { restarts: 9, within: 30s } }
                stop: { signal: SIGINT, timeout: 3s }
                limits: { memory: 64M, cpu: 0.5, pids: 20 }
                depends_on: { web: ready }
                rollout: { max_surge: 1 }
                build: { command: [sh, -c, "true"], inputs: ["Sources/**/*.swift", Package.swift] }
                watch: { paths: [Sources], ignore: ["*.tmp"], debounce: 300ms }
              web:
                command: [sh, -c, "exec sleep 60"]
                port: 9000
                protocol: h2c
              nightly:
                command: [sh, -c, "true"]
                schedule: { cron: "5 4 * * 1-5", concurrency: forbid }
            """)
        let environment = ["ADMIN_TOKEN": "t0ken-of-twenty-chars", "PLAIN_VALUE": "plain", "API_TOKEN": "s3cret"]
        let manifest: Manifest
        do {
            manifest = try ManifestLoader.load(
                path: folder.path + "/berth.yaml", environment: environment, accounts: .skip)
        } catch {
            Issue.record("the manifest did not load: \(error)")
            return
        }
        let back = try Manifest(json: manifest.json())
        #expect(back == manifest)
        #expect(back.services["api"]?.secrets["TOKEN"]?.revealed == "s3cret")
        #expect(back.secretVariables == ["API_TOKEN", "ADMIN_TOKEN"])
        #expect(back.services["api"]?.build?.inputs.map(\.text) == ["Sources/**/*.swift", "Package.swift"])
    }

    @Test func resolveRepliesSayWhichTheyAre() throws {
        let manifest = try ManifestLoader.load(
            path: Self.root + "/manifests/minimal.yaml", environment: [:], accounts: .skip)
        guard case .manifest(let back) = try ResolvedManifest(json: ResolvedManifest.manifest(manifest).json()) else {
            Issue.record("a manifest came back as something else")
            return
        }
        #expect(back == manifest)
        let text = "/srv/berth.yaml:3:5: error: unknown key 'replica' in service 'web'"
        guard
            case .invalid(let diagnostics) = try ResolvedManifest(
                json: ResolvedManifest.invalid(diagnostics: text).json())
        else {
            Issue.record("diagnostics came back as something else")
            return
        }
        #expect(diagnostics == text)
    }

    @Test func aDamagedDocumentIsRefusedWithAReason() {
        #expect(throws: ManifestJSONError.self) { try Manifest(json: Array(#"{"project": 1}"#.utf8)) }
    }
}
