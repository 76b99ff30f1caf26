import BerthManifest
import BerthManifestYAML
import Testing

@Suite struct InterpolationTests {
    let environment = ["HOME": "/root", "EMPTY": "", "PORT": "9000"]

    @Test(arguments: [
        ("${HOME}/data", "/root/data"),
        ("${MISSING:-fallback}", "fallback"),
        ("${EMPTY:-fallback}", "fallback"),
        ("${EMPTY}", ""),
        ("${PORT:-1}", "9000"),
        ("cost: $$5", "cost: $5"),
        ("$PORT stays", "$PORT stays"),
        ("a $ b", "a $ b"),
        ("end$", "end$"),
        ("${MISSING:-}x", "x"),
        ("$${HOME}", "${HOME}"),
    ])
    func expands(text: String, expected: String) throws {
        #expect(try Interpolation.expand(text, environment: environment) == expected)
    }

    @Test func reportsUnsetVariableWithItsOffset() {
        #expect(throws: InterpolationError.unsetVariable("FOO", offset: 4)) {
            try Interpolation.expand("abc ${FOO}", environment: environment)
        }
        #expect(
            InterpolationError.unsetVariable("FOO", offset: 0).description
                == "variable FOO is not set; use ${FOO:-default}")
    }

    @Test func reportsUnterminatedAndInvalidNames() {
        #expect(throws: InterpolationError.unterminated(offset: 2)) {
            try Interpolation.expand("x ${HOME", environment: environment)
        }
        #expect(throws: InterpolationError.invalidName("1A", offset: 0)) {
            try Interpolation.expand("${1A}", environment: environment)
        }
    }
}

@Suite("Per-replica variables")
struct ReplicaVariableTests {
    @Test("${PORT} in a command stays a placeholder, filled in per replica")
    func commandPlaceholder() throws {
        let manifest = try ManifestLoader.parse(
            yaml: """
                services:
                  web:
                    command: python3 -m http.server ${PORT} --name ${BERTH_SERVICE}-${BERTH_REPLICA}
                    port: auto
                    env: { LISTEN: "127.0.0.1:${PORT}", OTHER: "${PORT:-none}" }
                """,
            file: "/tmp/replica-vars/berth.yaml",
            environment: [:]
        )
        let web = try #require(manifest.services["web"])
        let values = ["PORT": "9001", "BERTH_SERVICE": "web", "BERTH_REPLICA": "1"]
        #expect(
            web.command.map { ReplicaVariables.expand($0, values: values) }
                == ["python3", "-m", "http.server", "9001", "--name", "web-1"])
        #expect(ReplicaVariables.expand(web.environment["LISTEN"]!, values: values) == "127.0.0.1:9001")
        #expect(ReplicaVariables.expand(web.environment["OTHER"]!, values: [:]) == "none")
        #expect(ReplicaVariables.display(web.command[3]) == "${PORT}")
    }

    @Test("${PORT} outside command, env and exec probes is an error at its position")
    func elsewhereIsAnError() {
        let yaml = """
            services:
              web:
                command: ["sleep", "1"]
                workdir: /tmp/${PORT}
            """
        do {
            _ = try ManifestLoader.parse(yaml: yaml, file: "/tmp/replica-vars/berth.yaml", environment: [:])
            Issue.record("expected an error")
        } catch {
            let diagnostic = error.errors.first
            #expect(diagnostic?.message == "PORT is set per replica: use ${PORT} only in command, env and exec probes")
            #expect(diagnostic?.location?.line == 4)
            #expect(diagnostic?.location?.column == 19)
        }
    }
}
