import BerthManifest
import Testing

@Suite struct MultipleDiagnosticsTests {
    @Test func collectsEveryProblemInFileOrder() {
        let found = diagnostics(
            """
            name: shop
            gateway:
              routes:
                - { path: /api, service: nope }
            services:
              web:
                command: cat a | wc
                replicas: many
                port: auto
                ready: { http: healthz }
                restart: { policy: sometimes }
              db:
                comand: sleep 1
                stop: { signal: SIGFOO, timeout: -1s }
                depends_on: [web, ghost]
            """, environment: [:])
        #expect(
            found.map(\.description) == [
                "/srv/shop/berth.yaml:4:30: error: route '/api' points at unknown service 'nope'",
                "/srv/shop/berth.yaml:7:14: warning: 'command' contains '|', which is passed to the program literally "
                    + "(there is no shell); use [\"sh\", \"-c\", \"...\"] for shell syntax",
                "/srv/shop/berth.yaml:8:15: error: 'replicas' must be an integer, got 'many'",
                "/srv/shop/berth.yaml:10:20: error: 'ready.http' must be a path starting with '/', got 'healthz'",
                "/srv/shop/berth.yaml:11:24: error: unknown restart policy 'sometimes'; expected always, on-failure "
                    + "or never",
                "/srv/shop/berth.yaml:12:3: error: service 'db' has no 'command'",
                "/srv/shop/berth.yaml:13:5: error: unknown key 'comand' in service 'db'; did you mean 'command'?",
                "/srv/shop/berth.yaml:14:21: error: unknown signal 'SIGFOO'; use a Linux signal name such as SIGTERM, "
                    + "or its number",
                "/srv/shop/berth.yaml:14:38: error: 'timeout' must not be negative, got -1s",
                "/srv/shop/berth.yaml:15:23: error: service 'db' depends on unknown service 'ghost'",
            ])
    }

    @Test func errorDescriptionIsOneLinePerDiagnostic() {
        let error = ManifestError(diagnostics: [
            Diagnostic(
                severity: .error, message: "first", location: SourceLocation(file: "/a.yaml", line: 2, column: 3)),
            Diagnostic(severity: .warning, message: "second", location: nil, file: "/a.yaml"),
            Diagnostic(severity: .error, message: "third", location: nil),
        ])
        #expect(error.description == "/a.yaml:2:3: error: first\n/a.yaml: warning: second\nerror: third")
        #expect(error.errors.map(\.message) == ["first", "third"])
    }
}
