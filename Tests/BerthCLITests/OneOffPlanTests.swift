import BerthControlProtocol
import BerthManifest
import BerthManifestYAML
import Testing

@testable import BerthCLI

/// `berth run SERVICE -- CMD`: the command, environment, workdir and user a one-off gets, without a process.
struct OneOffPlanTests {
    let manifest = try! ManifestLoader.parse(
        yaml: """
            name: shop
            gateway: { listen: 127.0.0.1:8080, routes: [{ path: /, service: web }] }
            services:
              web:
                command: ["/bin/web", "--port", "${PORT:-8000}"]
                workdir: /tmp
                port: auto
                env: { LEVEL: debug, WHO: "${BERTH_SERVICE}", TOKEN: { secret: s3cret } }
                env_inherit: [KEEP_*]
              job:
                command: ["/bin/job"]
                user: "65534"
            """, file: "/srv/shop/berth.yaml", environment: [:])

    @Test func theServicesEnvironmentWorkdirAndSecrets() throws {
        let plan = try OneOffPlan(
            manifest, service: "web", command: ["sh", "-c", "env"],
            environment: ["KEEP_ME": "1", "DROP_ME": "2", "PATH": "/bin", "BERTH_SOCKET": "/s"], currentUID: 1000)
        #expect(plan.arguments == ["sh", "-c", "env"])
        #expect(plan.workdir == "/tmp")
        #expect(plan.account == nil)
        #expect(plan.environment["KEEP_ME"] == "1")
        #expect(plan.environment["DROP_ME"] == nil && plan.environment["PATH"] == "/bin", "the standard set + KEEP_*")
        #expect(plan.environment["BERTH_SOCKET"] == nil)
        #expect(plan.environment["LEVEL"] == "debug")
        #expect(plan.environment["TOKEN"] == "s3cret")
        #expect(plan.environment["WHO"] == "web")
        #expect(plan.environment["BERTH_GATEWAY_URL"] == "http://127.0.0.1:8080")
        #expect(plan.environment["PORT"] == nil, "a one-off has no replica port")
    }

    @Test func execGetsTheReplicasVariables() throws {
        let plan = try OneOffPlan(
            manifest, service: "web", command: [], environment: [:], currentUID: 1000,
            replica: (index: 2, port: 41002))
        #expect(plan.arguments == ["/bin/web", "--port", "41002"])
        #expect(plan.environment["PORT"] == "41002" && plan.environment["BERTH_REPLICA"] == "2")
        let exec = try #require(
            try BerthCommand.parseCommandLine(["exec", "web.2", "--", "env"])
                as? BerthCommand.Exec)
        #expect(exec.target == "web.2" && exec.command == ["env"])
    }

    @Test func serviceAddressesComeFromTheRunningDaemonOrAFixedPort() throws {
        let manifest = try ManifestLoader.parse(
            yaml: """
                name: shop
                services:
                  redis: { command: redis, port: auto }
                  db: { command: db, port: 5432 }
                  worker:
                    command: ["/bin/worker", "${services.db.port}"]
                    env: { REDIS: "${services.redis.host}:${services.redis.port}" }
                    depends_on: [redis, db]
                """, file: "/srv/shop/berth.yaml", environment: [:])
        let spec = try #require(manifest.services["worker"])
        var redis = ServiceStatus(
            name: "redis", desired: 1,
            replicas: [
                ReplicaStatus(
                    index: 0, pid: 7, port: 41007, state: .running, ready: true, restarts: 0, uptimeSeconds: 1,
                    lastExit: nil)
            ])
        redis.generation = 1
        let status = StatusResponse(project: "shop", daemonPID: 1, manifest: "/m", services: [redis])
        let found = OneOffPlan.addresses(of: spec, in: manifest, status: status)
        #expect(found.missing.isEmpty)
        let plan = try OneOffPlan(
            manifest, service: "worker", command: [], environment: [:], currentUID: 1000, addresses: found.values)
        #expect(plan.environment["REDIS"] == "127.0.0.1:41007")
        #expect(plan.arguments == ["/bin/worker", "5432"])
        #expect(plan.environment["services.redis.port"] == nil, "references are no variables")
        // No daemon: the fixed port is known, the auto one is not (said on stderr by berth run).
        let alone = OneOffPlan.addresses(of: spec, in: manifest, status: nil)
        #expect(alone.values["services.db.port"] == "5432" && alone.missing == ["redis"])
    }

    @Test func withoutACommandTheServicesOwnRunsOnce() throws {
        let plan = try OneOffPlan(manifest, service: "web", command: [], environment: [:], currentUID: 1000)
        #expect(plan.arguments == ["/bin/web", "--port", "8000"])
    }

    @Test func onlyRootSwitchesToTheServicesUser() throws {
        let nobody = SystemAccount(name: "nobody", uid: 65534, gid: 65534, home: "/nonexistent")
        let asRoot = try OneOffPlan(
            manifest, service: "job", command: ["id"], environment: [:], currentUID: 0,
            lookUp: { _ in nobody })
        #expect(asRoot.account == OneOffPlan.Account(name: "nobody", uid: 65534, gid: 65534))
        #expect(asRoot.environment["HOME"] == "/nonexistent" && asRoot.environment["USER"] == "nobody")
        #expect(throws: CLIFailure.self) {
            try OneOffPlan(
                manifest, service: "job", command: ["id"], environment: [:], currentUID: 1000,
                lookUp: { _ in nobody })
        }
        #expect(
            try OneOffPlan(
                manifest, service: "job", command: ["id"], environment: [:], currentUID: 65534,
                lookUp: { _ in nobody }
            ).account?.uid == 65534, "already that user: nothing to switch")
    }

    @Test func anUnknownServiceIsAUsageErrorWithASuggestion() {
        do {
            _ = try OneOffPlan(manifest, service: "wbe", command: [], environment: [:], currentUID: 0)
            Issue.record("planned")
        } catch {
            #expect(error.exitCode == .usage)
            #expect(error.message.hasPrefix("no service 'wbe' in the manifest"))
        }
    }

    @Test func parsing() throws {
        let run = try #require(
            try BerthCommand.parseCommandLine(["-f", "x.yaml", "run", "web", "--", "ls", "-l"])
                as? BerthCommand.Run)
        #expect(run.service == "web" && run.command == ["ls", "-l"] && run.options.file == "x.yaml")
        let bare = try #require(try BerthCommand.parseCommandLine(["run", "migrate"]) as? BerthCommand.Run)
        #expect(bare.command == [])
    }

    @Test func programsAreFoundInTheCommandsPath() {
        #expect(OneOffExec.resolve("sh", searchPath: "/nonexistent:/bin") == "/bin/sh")
        #expect(OneOffExec.resolve("./x", searchPath: "/bin") == "./x")
    }
}
