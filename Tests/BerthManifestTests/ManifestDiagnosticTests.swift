import BerthManifest
import Testing

/// One test per diagnostic: message, line and column.
@Suite struct ManifestDiagnosticTests {
    @Test func yamlSyntaxError() {
        expectError(
            """
            services:
              web:
                command: [a, b
            """, "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 3, column 14)",
            line: 3, column: 19)  // the end of the file (libyaml's own mark is line 4, past the last line)
    }

    @Test func duplicateKey() {
        expectError(
            """
            services:
              web: { command: a }
              web: { command: b }
            """, "duplicate key 'web' in a mapping", line: 2, column: 3)
    }

    @Test func emptyFile() {
        expectError("# nothing here\n", "the manifest is empty", line: 1, column: 1)
    }

    @Test func topLevelNotAMapping() {
        expectError(
            "- web\n- db\n", "the manifest must be a mapping with keys name, gateway and services, got a list",
            line: 1, column: 1)
    }

    @Test func noServices() {
        expectError("name: shop\n", "the manifest defines no services; add a 'services:' mapping", line: 1, column: 1)
    }

    @Test func unknownTopLevelKey() {
        expectError(
            """
            servces:
              web: { command: a }
            """, "unknown key 'servces' in the manifest; did you mean 'services'?", line: 1, column: 1,
            sourceLocation: #_sourceLocation)
    }

    @Test func unknownServiceKeyWithSuggestion() {
        expectError(
            """
            services:
              web:
                command: sleep 1
                replcas: 2
            """, "unknown key 'replcas' in service 'web'; did you mean 'replicas'?", line: 4, column: 5)
    }

    @Test func unknownNestedKeyWithoutSuggestion() {
        expectError(
            """
            services:
              web:
                command: sleep 1
                restart: { policy: never, colour: blue }
            """, "unknown key 'colour' in 'restart' of service 'web'", line: 4, column: 31)
    }

    @Test func replicasNotAnInteger() {
        expectError(
            """
            services:
              web: { command: sleep 1, replicas: two }
            """, "'replicas' must be an integer, got 'two'", line: 2, column: 38)
    }

    @Test func negativeReplicas() {
        expectError(
            """
            services:
              web: { command: sleep 1, replicas: -1 }
            """, "'replicas' must be >= 0, got -1", line: 2, column: 38)
    }

    @Test func commandIsAMapping() {
        expectError(
            """
            services:
              web:
                command: { a: b }
            """, "'command' must be a list or a string, got a mapping", line: 3, column: 14)
    }

    @Test func emptyCommand() {
        expectError(
            """
            services:
              web:
                command: []
            """, "'command' must not be empty", line: 3, column: 14)
    }

    @Test func missingCommand() {
        expectError(
            """
            services:
              web:
                replicas: 1
            """, "service 'web' has no 'command'", line: 2, column: 3)
    }

    @Test func unbalancedQuoteInCommand() {
        expectError(
            """
            services:
              web:
                command: echo "hello
            """, "'command': unbalanced double quote", line: 3, column: 19)
    }

    @Test func badDuration() {
        expectError(
            """
            services:
              web:
                command: sleep 1
                stop: { timeout: 5 sec }
            """, "'timeout' is not a valid duration: '5 sec' (use e.g. 250ms, 2s, 1m30s)", line: 4, column: 22)
    }

    @Test func zeroInterval() {
        expectError(
            """
            services:
              web:
                command: sleep 1
                ready: { exec: "true", interval: 0s }
            """, "'interval' must be greater than 0, got 0s", line: 4, column: 38)
    }

    @Test func badPortValue() {
        expectError(
            """
            services:
              web:
                command: sleep 1
                port: 70000
            """, "'port' must be none, auto or a port number 1..65535, got '70000'", line: 4, column: 11)
    }

    @Test func portRangeBeyond65535() {
        expectError(
            """
            services:
              web:
                command: sleep 1
                replicas: 3
                port: 65534
            """, "port range 65534..65536 of service 'web' (3 replicas) exceeds 65535", line: 5, column: 11)
    }

    @Test func unknownRestartPolicy() {
        expectError(
            """
            services:
              web:
                command: sleep 1
                restart:
                  policy: sometimes
            """, "unknown restart policy 'sometimes'; expected always, on-failure or never", line: 5, column: 15)
    }

    @Test func backoffMaxBelowInitial() {
        expectError(
            """
            services:
              web:
                command: sleep 1
                restart: { backoff: { initial: 5s, max: 1s } }
            """, "backoff 'max' (1s) must be >= 'initial' (5s)", line: 4, column: 45)
    }

    @Test func jitterOutOfRange() {
        expectError(
            """
            services:
              web:
                command: sleep 1
                restart: { backoff: { jitter: 2 } }
            """, "'jitter' must be >= 0.0 and <= 1.0, got 2", line: 4, column: 35)
    }

    @Test func unknownSignal() {
        expectError(
            """
            services:
              web:
                command: sleep 1
                stop: { signal: SIGFOO }
            """, "unknown signal 'SIGFOO'; use a Linux signal name such as SIGTERM, or its number", line: 4, column: 21)
    }

    @Test func unknownDependencyCondition() {
        expectError(
            """
            services:
              db: { command: sleep 1 }
              web:
                command: sleep 1
                depends_on: { db: healthy }
            """, "unknown dependency condition 'healthy'; expected started, ready or completed", line: 5, column: 23)
    }

    @Test func dependencyOnUnknownService() {
        expectError(
            """
            services:
              db: { command: sleep 1 }
              web:
                command: sleep 1
                depends_on: [dbb]
            """, "service 'web' depends on unknown service 'dbb'; did you mean 'db'?", line: 5, column: 18)
    }

    @Test func dependencyOnItself() {
        expectError(
            """
            services:
              web:
                command: sleep 1
                depends_on: { web: started }
            """, "service 'web' depends on itself", line: 4, column: 19)
    }

    @Test func dependencyCycle() {
        expectError(
            """
            services:
              b: { command: sleep 1, depends_on: [a] }
              a: { command: sleep 1, depends_on: [b] }
              c: { command: sleep 1, depends_on: [a] }
            """, "dependency cycle: a -> b -> a", line: 3, column: 39)
    }

    @Test func completedDependencyOnAlwaysRestartingService() {
        expectError(
            """
            services:
              migrate: { command: sleep 1 }
              web:
                command: sleep 1
                depends_on: { migrate: completed }
            """,
            "service 'web' waits for 'migrate' to complete, but 'migrate' has restart policy 'always' and never "
                + "completes; set its restart policy to on-failure or never", line: 5, column: 19)
    }

    @Test func routeToUnknownService() {
        expectError(
            """
            gateway:
              routes:
                - { path: /api, service: usr }
            services:
              user: { command: sleep 1, port: auto }
            """, "route '/api' points at unknown service 'usr'; did you mean 'user'?", line: 3, column: 30)
    }

    @Test func routeToServiceWithoutPort() {
        expectError(
            """
            gateway:
              routes:
                - path: /
                  service: x
            services:
              x: { command: sleep 1 }
            """, "service 'x' has no port; set port: auto or a base port", line: 4, column: 16)
    }

    @Test func duplicateRoutePath() {
        expectError(
            """
            gateway:
              routes:
                - { path: /api, service: web }
                - { path: /api, service: web, host: a.example }
                - { path: /api, service: web, strip_prefix: true }
            services:
              web: { command: sleep 1, port: auto }
            """, "duplicate route path '/api' (first defined at line 3)", line: 5, column: 15)
    }

    @Test func routePathWithoutSlash() {
        expectError(
            """
            gateway:
              routes:
                - { path: api, service: web }
            services:
              web: { command: sleep 1, port: auto }
            """, "route path must start with '/', got 'api'", line: 3, column: 15)
    }

    @Test func badListenAddress() {
        expectError(
            """
            gateway:
              listen: localhost
            services:
              web: { command: sleep 1 }
            """, "invalid listen address 'localhost'; expected host:port, :port or [v6]:port with a port 1..65535",
            line: 2, column: 11)
    }

    @Test func overlappingServicePorts() {
        expectError(
            """
            services:
              a: { command: sleep 1, port: 8000, replicas: 2 }
              b: { command: sleep 1, port: 8001 }
            """, "port range 8001..8001 of service 'b' overlaps port range 8000..8001 of service 'a'",
            line: 3, column: 26)
    }

    @Test func servicePortClashesWithGateway() {
        expectError(
            """
            gateway:
              listen: ":8080"
            services:
              web: { command: sleep 1, port: 8079, replicas: 3 }
            """, "port range 8079..8081 of service 'web' overlaps gateway listen address 0.0.0.0:8080",
            line: 4, column: 28)
    }

    @Test func httpProbeWithoutPort() {
        expectError(
            """
            services:
              web:
                command: sleep 1
                ready: { http: /healthz }
            """, "'ready' uses http but service 'web' has no port; set port: auto or a base port", line: 4, column: 14)
    }

    @Test func probeWithTwoChecks() {
        expectError(
            """
            services:
              web:
                command: sleep 1
                port: auto
                health:
                  http: /healthz
                  tcp: true
            """, "'health' must have exactly one of http, tcp, grpc, exec, notify or watchdog, got http and tcp",
            line: 7, column: 7)
    }

    @Test func probeWithoutCheck() {
        expectError(
            """
            services:
              web:
                command: sleep 1
                ready: { interval: 1s }
            """, "'ready' must have one of http, tcp, grpc, exec or notify", line: 4, column: 12)
    }

    @Test func invalidEnvName() {
        expectError(
            """
            services:
              web:
                command: sleep 1
                env: { 1BAD: x }
            """, "invalid environment variable name '1BAD'", line: 4, column: 12)
    }

    @Test func envValueIsAList() {
        expectError(
            """
            services:
              web:
                command: sleep 1
                env: { A: [1] }
            """, "env value of 'A' must be a string, number, bool or { secret: VALUE }, got a list", line: 4, column: 15
        )
    }

    @Test func missingEnvFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write(".env", "A=1\n")
        expectError(
            """
            services:
              web:
                command: sleep 1
                env_file: [.env, missing.env]
            """, "env_file '\(folder.path)/missing.env' not found", line: 4, column: 22,
            file: folder.path + "/berth.yaml")
    }

    @Test func badEnvFileLinePointsIntoTheEnvFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("app.env", "# comment\nGOOD=1\nexport BAD LINE\n")
        let errors = diagnostics(
            """
            services:
              web: { command: sleep 1, env_file: app.env }
            """, file: folder.path + "/berth.yaml")
        #expect(errors.map(\.description) == ["\(folder.path)/app.env:3:8: error: expected KEY=VALUE"])
    }

    @Test func invalidServiceName() {
        expectError(
            """
            services:
              "my web": { command: sleep 1 }
            """, "invalid service name 'my web'; use letters, digits, '_' and '-', starting with a letter or digit",
            line: 2, column: 3)
    }

    @Test func invalidProjectName() {
        expectError(
            """
            name: Shop
            services:
              web: { command: sleep 1 }
            """,
            "invalid project name 'Shop'; use lowercase letters, digits, '_' and '-', starting with a letter or "
                + "digit", line: 1, column: 7)
    }

    @Test func unsetVariable() {
        expectError(
            """
            services:
              web:
                command: "sleep ${DELAY}"
            """, "variable DELAY is not set; use ${DELAY:-default}", line: 3, column: 21)
    }

    @Test func wrongTypeForStripPrefix() {
        expectError(
            """
            gateway:
              routes: [{ path: /, service: web, strip_prefix: maybe }]
            services:
              web: { command: sleep 1, port: auto }
            """, "'strip_prefix' must be true or false, got 'maybe'", line: 2, column: 51)
    }
}
