import BerthExport
import BerthManifest
import Testing

/// Each error and warning of the exports, with the manifest line and column it names.
@Suite struct ExportDiagnosticsTests {
    private func messages(_ list: [Diagnostic]) -> [String] {
        list.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0) \($0.message)" }
    }

    @Test func missingImageIsAnErrorAtTheService() throws {
        let manifest = try ExportFixtures.loadYAML(
            """
            services:
              web:
                command: sleep 1000
            """)
        let result = KubernetesExporter.export(manifest)
        #expect(messages(result.errors) == ["2:3 service 'web' has no image: (needed for the Kubernetes export)"])
        #expect(result.files.isEmpty)
        #expect(result.errors.first?.description.hasPrefix("/srv/app/berth.yaml:2:3: error: ") == true)
    }

    @Test func kubernetesWarnsAtEachUnsupportedKey() throws {
        let manifest = try ExportFixtures.loadYAML(
            """
            gateway:
              routes:
                - { path: /api, service: web, strip_prefix: true }
            services:
              web:
                image: app:1
                command: app
                port: 8000
                user: app
                group: app
                stop: { signal: SIGINT }
                restart: { backoff: { initial: 1s }, give_up: { restarts: 2 } }
                depends_on: [db]
                ready: { http: /, interval: 500ms }
              db:
                image: db:1
                command: db
            """)
        let result = KubernetesExporter.export(manifest)
        #expect(result.errors.isEmpty)
        let lines = result.warnings.map { $0.location?.line ?? 0 }
        #expect(lines == [3, 9, 10, 11, 12, 12, 13, 14])
        let text = messages(result.warnings)
        #expect(text[0].hasPrefix("3:7 an Ingress cannot strip a path prefix"))
        #expect(text[1].contains("securityContext.runAsUser"))
        #expect(text[2].contains("securityContext.runAsGroup"))
        #expect(text[3].contains("stop.signal SIGINT"))
        #expect(text[4].contains("restart.backoff"))
        #expect(text[5].contains("restart.give_up"))
        #expect(text[6].contains("no start order"))
        #expect(text[7].contains("ready.interval 500ms is exported as 1s"))
    }

    @Test func gatewayAPIRewritesStrippedPrefixesWithoutWarning() throws {
        let manifest = try ExportFixtures.loadYAML(
            """
            gateway:
              routes:
                - { path: /api, service: web, strip_prefix: true }
                - { path: /, service: web, host: example.com }
            services:
              web: { image: "app:1", command: app, port: auto }
            """)
        let result = KubernetesExporter.export(manifest, options: .init(gatewayName: "public"))
        #expect(result.warnings.isEmpty)
        let routes = try #require(result.contents(of: "httproutes.yaml"))
        #expect(routes.contains("replacePrefixMatch: /"))
        #expect(routes.contains("type: ReplacePrefixMatch"))
        #expect(routes.contains("parentRefs:\n  - name: public"))
        #expect(routes.contains("hostnames:\n  - example.com"))
        #expect(routes.components(separatedBy: "kind: HTTPRoute").count == 3)
        #expect(result.contents(of: "ingress.yaml") == nil)
    }

    @Test func systemdWarnsAboutProbesAndMissingPrograms() throws {
        let manifest = try ExportFixtures.loadYAML(
            """
            services:
              web:
                command: no-such-program --serve
                port: 8000
                ready: { tcp: true }
                health: { http: / }
            """)
        let result = SystemdExporter.export(manifest, options: .init(resolveProgram: { _ in nil }))
        let text = messages(result.warnings)
        #expect(text.count == 3)
        #expect(text[0].hasPrefix("3:5 program 'no-such-program' of service 'web' is not on PATH here"))
        #expect(text[1].hasPrefix("5:5 systemd has no readiness probes"))
        #expect(text[2].hasPrefix("6:5 systemd has no liveness probes"))
        let unit = try #require(result.contents(of: "app-web@.service"))
        #expect(unit.contains("ExecStart=no-such-program --serve\n"))
    }

    @Test func systemdOrdersAfterDependenciesAndOneshotJobs() throws {
        let manifest = try ExportFixtures.loadYAML(
            """
            services:
              migrate: { command: "true", restart: { policy: never } }
              db: { command: db, replicas: 2 }
              web:
                command: ["sh", "-c", "echo $HOME 100% ${PORT} ${BERTH_REPLICA}"]
                port: 9000
                replicas: 2
                notify: true
                env: { URL: "http://localhost:${PORT}/" }
                depends_on: { migrate: completed, db: ready }
            """)
        let result = SystemdExporter.export(manifest, options: .init(resolveProgram: { "/usr/bin/" + $0 }))
        #expect(
            messages(result.warnings) == [
                "10:39 systemd orders 'web' after 'db' has started, not after it is ready: set notify: true on 'db' "
                    + "(sd_notify) to wait for readiness"
            ])
        let web = try #require(result.contents(of: "app-web@.service"))
        #expect(web.contains("Type=notify\n"))
        #expect(web.contains("After=app-db@0.service\nRequires=app-db@0.service\nAfter=app-db@1.service\n"))
        #expect(web.contains("Requires=app-migrate@0.service\n"))
        #expect(web.contains(#"ExecStart=/usr/bin/sh -c "echo $$HOME 100%% ${PORT} ${BERTH_REPLICA}""#))
        #expect(
            result.contents(of: "app-web@1.service.d/10-berth-replica.conf")
                == "[Service]\nEnvironment=PORT=9001\nEnvironment=URL=http://localhost:9001/\n")
        let migrate = try #require(result.contents(of: "app-migrate@.service"))
        #expect(migrate.contains("Type=oneshot\nRemainAfterExit=yes\n"))
        #expect(migrate.contains("Restart=no\n"))
        #expect(!migrate.contains("StartLimitBurst"))
        #expect(result.contents(of: "app.target")?.contains("Wants=app-web@1.service\n") == true)
    }

    @Test func exportsAreDeterministic() throws {
        for (_, path) in ExportFixtures.manifests {
            let first = ExportFixtures.exports(of: try ExportFixtures.load(path))
            let second = ExportFixtures.exports(of: try ExportFixtures.load(path))
            for (one, two) in zip(first, second) {
                #expect(one.result.files.map(\.name) == two.result.files.map(\.name))
                #expect(one.result.files.map(\.contents) == two.result.files.map(\.contents))
                #expect(one.result.warnings == two.result.warnings)
            }
        }
    }

    @Test func restartStepsReachTheMaximumDelay() {
        #expect(
            SystemdExporter.export(
                try! ExportFixtures.loadYAML(
                    """
                    services:
                      web: { command: app, restart: { backoff: { initial: 100ms, max: 30s, multiplier: 2 } } }
                    """), options: .init(systemdVersion: 254)
            ).contents(of: "app-web@.service")?
            .contains("RestartSteps=9\nRestartMaxDelaySec=30s\n") == true)
    }
}

/// `env_inherit` has no equivalent in a unit or a pod (neither inherits a shell's environment): a warning at the key,
/// or at the service when it comes from the top level; the standard set says nothing.
@Suite struct ExportEnvInheritTests {
    @Test func bothExportsWarnAboutEnvInherit() throws {
        let manifest = try ExportFixtures.loadYAML(
            """
            env_inherit: [AWS_*]
            services:
              web: { image: app:1, command: app, env_inherit: true }
              worker: { image: app:1, command: app }
              quiet: { image: app:1, command: app, env_inherit: false }
            """)
        let systemd = SystemdExporter.export(manifest).warnings.filter { $0.message.contains("env_inherit") }
        #expect(systemd.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0)" } == ["3:38", "4:3"])
        #expect(
            systemd.first?.message.hasPrefix(
                "systemd units inherit no environment from a shell: env_inherit "
                    + "of service 'web' is not exported") == true)
        let kubernetes = KubernetesExporter.export(manifest).warnings.filter { $0.message.contains("env_inherit") }
        #expect(kubernetes.count == 2)
    }
}
