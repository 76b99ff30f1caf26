import BerthManifest
import BerthManifestYAML
import Foundation
import Testing

@Suite struct ManifestLoadTests {
    @Test func minimalServiceGetsEveryDefault() throws {
        let manifest = try #require(
            load(
                """
                services:
                  web:
                    command: sleep 1000
                """))
        #expect(manifest.project == "shop")
        #expect(manifest.file == "/srv/shop/berth.yaml")
        #expect(manifest.directory == "/srv/shop")
        #expect(manifest.gateway == nil)
        #expect(manifest.startOrder == ["web"])
        #expect(manifest.warnings == [])
        let web = try #require(manifest.services["web"])
        let expected = ServiceSpec(
            name: "web",
            command: ["sleep", "1000"],
            workdir: "/srv/shop",
            environment: [:],
            replicas: 1,
            port: .none,
            ready: nil,
            health: nil,
            restart: RestartSpec(
                policy: .always,
                backoff: BackoffSpec(initial: .milliseconds(100), max: .seconds(30), multiplier: 2, jitter: 0.1),
                giveUp: GiveUpSpec(restarts: 5, within: .seconds(60)),
                resetAfter: .seconds(10)
            ),
            stop: StopSpec(signal: 15, signalName: "SIGTERM", timeout: .seconds(10)),
            dependsOn: [:],
            user: nil,
            group: nil,
            location: SourceLocation(file: manifestFile, line: 2, column: 3),
            keyLocations: ["command": SourceLocation(file: manifestFile, line: 3, column: 5)]
        )
        #expect(web == expected)
    }

    @Test func everyKeyRoundTrips() throws {
        let folder = try TemporaryFolder(name: "My Shop!")
        defer { folder.remove() }
        try folder.write(".env", "FROM_FILE=file\nOVERRIDDEN=file\n")
        try folder.write("more.env", "SECOND=2\n")
        let yaml = """
            gateway:
              listen: [127.0.0.1:8080, ":9090", "[::1]:8081"]
              routes:
                - { path: /api/users, service: user, strip_prefix: true }
                - path: /
                  service: web
                  host: shop.example
            services:
              web:
                command: ["python3", "-m", "http.server", "${WEB_PORT:-8000}"]
                workdir: ./site/../public
                env: { OVERRIDDEN: env, NUMBER: 42, FLAG: true, FLOAT: 1.5 }
                env_file: [.env, more.env]
                replicas: 2
                port: 7000
                ready: { http: /healthz, interval: 250ms, timeout: 2s, failure_threshold: 4, success_threshold: 2 }
                health: { tcp: true, initial_delay: 1m30s }
                restart:
                  policy: on-failure
                  backoff: { initial: 1s, max: 1m, multiplier: 1.5, jitter: 0 }
                  give_up: { restarts: 3, within: 2m }
                  reset_after: 30s
                stop: { signal: INT, timeout: 5 }
                depends_on: { db: ready, migrate: completed }
                user: www-data
                group: staff
              user:
                command: sleep 1000
                port: auto
                health: { exec: "test -e /tmp" }
                depends_on: [db]
              db:
                command: sleep 1000
                replicas: 0
              migrate:
                command: ["true"]
                restart: { policy: never }
            """
        let manifest = try #require(load(yaml, file: folder.path + "/berth.yaml", environment: ["HOME": "/root"]))
        #expect(manifest.project == "my-shop-")
        #expect(manifest.directory == folder.path)
        #expect(manifest.startOrder == ["db", "migrate", "user", "web"])
        // db has replicas: 0 here, so its dependents are warned (audit4: they start only once it is scaled up).
        #expect(
            manifest.warnings.map(\.message) == [
                "workdir '\(folder.path)/public' does not exist (yet)",
                "service 'web' waits for 'db' (ready), which has replicas: 0; 'web' starts only once 'db' is scaled up "
                    + "(berth scale db=1)",
                "service 'user' waits for 'db' (started), which has replicas: 0; 'user' starts only once 'db' is "
                    + "scaled up (berth scale db=1)",
            ])

        let gateway = try #require(manifest.gateway)
        #expect(
            gateway.listen == [
                ListenAddress(host: "127.0.0.1", port: 8080), ListenAddress(host: "0.0.0.0", port: 9090),
                ListenAddress(host: "::1", port: 8081),
            ])
        #expect(gateway.routes.map(\.path) == ["/api/users", "/"])
        #expect(gateway.routes.map(\.service) == ["user", "web"])
        #expect(gateway.routes.map(\.stripPrefix) == [true, false])
        #expect(gateway.routes.map(\.host) == [nil, "shop.example"])
        #expect(gateway.routes.map { $0.location?.line } == [4, 5])
        #expect(gateway.location?.line == 1)

        let web = try #require(manifest.services["web"])
        #expect(web.command == ["python3", "-m", "http.server", "8000"])
        #expect(web.workdir == folder.path + "/public")
        #expect(
            web.environment == [
                "FROM_FILE": "file", "OVERRIDDEN": "env", "SECOND": "2", "NUMBER": "42", "FLAG": "true", "FLOAT": "1.5",
            ])
        #expect(web.replicas == 2)
        #expect(web.port == .base(7000))
        #expect(
            web.ready
                == ProbeSpec(
                    check: .http(path: "/healthz"), interval: .milliseconds(250),
                    timeout: .seconds(2), failureThreshold: 4, successThreshold: 2, initialDelay: .zero))
        #expect(
            web.health
                == ProbeSpec(
                    check: .tcp, interval: .seconds(5), timeout: .seconds(2),
                    failureThreshold: 3, successThreshold: 1, initialDelay: .seconds(90)))
        #expect(
            web.restart
                == RestartSpec(
                    policy: .onFailure,
                    backoff: BackoffSpec(initial: .seconds(1), max: .seconds(60), multiplier: 1.5, jitter: 0),
                    giveUp: GiveUpSpec(restarts: 3, within: .seconds(120)),
                    resetAfter: .seconds(30)))
        #expect(web.stop == StopSpec(signal: 2, signalName: "SIGINT", timeout: .seconds(5)))
        #expect(web.dependsOn == ["db": .ready, "migrate": .completed])
        #expect(web.user == "www-data")
        #expect(web.group == "staff")
        #expect(web.location?.line == 9)
        let file = folder.path + "/berth.yaml"
        #expect(web.keyLocations["restart.policy"] == SourceLocation(file: file, line: 19, column: 7))
        #expect(web.keyLocations["restart.backoff.jitter"] == SourceLocation(file: file, line: 20, column: 57))
        #expect(web.keyLocations["ready.http"] == SourceLocation(file: file, line: 16, column: 14))
        #expect(web.keyLocations["env.NUMBER"] == SourceLocation(file: file, line: 12, column: 29))
        #expect(web.keyLocations["depends_on.migrate"] == SourceLocation(file: file, line: 24, column: 30))
        #expect(web.keyLocations["stop.signal"]?.line == 23)

        let user = try #require(manifest.services["user"])
        #expect(user.port == .auto)
        #expect(user.health?.check == .exec(["test", "-e", "/tmp"]))
        #expect(user.dependsOn == ["db": .started])
        #expect(user.keyLocations["depends_on.db"] == SourceLocation(file: file, line: 31, column: 18))
        #expect(manifest.services["db"]?.replicas == 0)
        #expect(manifest.services["migrate"]?.restart.policy == .never)
    }

    @Test func interpolatesValuesButNotKeys() throws {
        let manifest = try #require(
            load(
                """
                name: ${PROJECT:-shop2}
                services:
                  web:
                    command: "sleep ${SECONDS}"
                    replicas: ${REPLICAS:-3}
                    env:
                      TEXT: "$${KEY} ${HOME}"
                      COST: $$5
                """, environment: ["SECONDS": "7", "HOME": "/root"]))
        #expect(manifest.project == "shop2")
        let web = try #require(manifest.services["web"])
        #expect(web.command == ["sleep", "7"])
        #expect(web.replicas == 3)
        #expect(web.environment == ["TEXT": "${KEY} /root", "COST": "$5"])
        expectError(
            """
            services:
              web:
                command: x
                env:
                  ${KEY}: v
            """, "invalid environment variable name '${KEY}'", line: 5, column: 7, environment: ["KEY": "K"])
    }

    @Test func envFileValuesAreLiteral() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("app.env", "A=${HOME}\nB='$$x'\n")
        let manifest = try #require(
            load(
                """
                services:
                  web:
                    command: sleep 1
                    env_file: app.env
                """, file: folder.path + "/berth.yaml", environment: ["HOME": "/root"]))
        #expect(manifest.services["web"]?.environment == ["A": "${HOME}", "B": "$$x"])
    }

    @Test func startOrderFollowsDependenciesWithTiesByName() throws {
        let manifest = try #require(
            load(
                """
                services:
                  zeta: { command: sleep 1 }
                  api: { command: sleep 1, depends_on: [db, cache] }
                  db: { command: sleep 1 }
                  cache: { command: sleep 1, depends_on: { db: started } }
                  worker: { command: sleep 1, depends_on: [api] }
                  alpha: { command: sleep 1, depends_on: [worker] }
                """))
        #expect(manifest.startOrder == ["db", "cache", "api", "worker", "alpha", "zeta"])
    }

    @Test func sanitizesTheFolderNameAsProject() throws {
        let manifest = try #require(load("services: { web: { command: x } }", file: "/tmp/__Cool.App/berth.yaml"))
        #expect(manifest.project == "cool-app")
        let fallback = try #require(load("services: { web: { command: x } }", file: "/---/berth.yaml"))
        #expect(fallback.project == "project")
    }

    @Test func loadsFromDiskAndReportsMissingFiles() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("berth.yaml", "services:\n  web:\n    command: sleep 1\n")
        let manifest = try ManifestLoader.load(path: folder.path + "/berth.yaml", environment: [:])
        #expect(manifest.project == "proj")
        #expect(manifest.file == folder.path + "/berth.yaml")
        let error = #expect(throws: ManifestError.self) {
            try ManifestLoader.load(path: folder.path + "/nope.yaml", environment: [:])
        }
        #expect(error?.description == "\(folder.path)/nope.yaml: error: manifest not found")
    }

    @Test func warnsAboutShellSyntaxInStringCommands() throws {
        let manifest = try #require(
            load(
                """
                services:
                  web:
                    command: cat file | wc -l
                """))
        #expect(
            manifest.warnings.map(\.description) == [
                "/srv/shop/berth.yaml:3:14: warning: 'command' contains '|', which is passed to the program literally "
                    + "(there is no shell); use [\"sh\", \"-c\", \"...\"] for shell syntax"
            ])
    }

    @Test func exampleManifestsLoad() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let minimal = try ManifestLoader.load(path: root + "/manifests/minimal.yaml", environment: [:])
        #expect(minimal.services.count == 1)
        let full = try ManifestLoader.load(path: root + "/manifests/full.yaml", environment: [:])
        #expect(full.services.count >= 3)
        #expect(full.gateway != nil)
        #expect(full.warnings == [])
    }
}
