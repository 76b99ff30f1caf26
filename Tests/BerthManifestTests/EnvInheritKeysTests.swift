import BerthManifest
import BerthManifestYAML
import Testing

/// `env_inherit:` (project and service) and the variables that feed secret-bearing keys (`admin.token`, `secret:`
/// values, a TLS key's path), which no replica inherits.
@Suite struct EnvInheritKeysTests {
    @Test func absentMeansTheStandardSet() throws {
        let manifest = try #require(load("services:\n  api: { command: run }\n"))
        let api = try #require(manifest.services["api"])
        #expect(api.envInherit == .standard)
        for name in ["PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "HOME", "USER", "LOGNAME"] {
            #expect(api.envInherit.inherits(name), "\(name)")
        }
        for name in ["AWS_SECRET_ACCESS_KEY", "ADMIN_TOKEN", "SSH_AUTH_SOCK", "TERM", "PATHX", "XPATH", "LC"] {
            #expect(!api.envInherit.inherits(name), "\(name)")
        }
    }

    @Test func servicesTakeTheProjectsUnlessTheySetTheirOwn() throws {
        let manifest = try #require(
            load(
                """
                env_inherit: [AWS_*, HTTP_PROXY]
                services:
                  a: { command: run }
                  b: { command: run, env_inherit: true }
                  c: { command: run, env_inherit: false }
                  d: { command: run, env_inherit: [BERTH_TEST_?] }
                """))
        let spec = { (name: String) in manifest.services[name]!.envInherit }
        #expect(spec("a") == .standardAnd(["AWS_*", "HTTP_PROXY"]))
        #expect(spec("a").inherits("AWS_REGION") && spec("a").inherits("HTTP_PROXY") && spec("a").inherits("PATH"))
        #expect(!spec("a").inherits("HTTPS_PROXY"))
        #expect(spec("b") == .everything && spec("b").inherits("ANYTHING"))
        #expect(spec("c") == .standard)
        #expect(spec("d").inherits("BERTH_TEST_X") && !spec("d").inherits("BERTH_TEST_XY"))
    }

    @Test func patternsMatchWholeNames() {
        let cases: [(String, String, Bool)] = [
            ("AWS_*", "AWS_", true), ("AWS_*", "AWS_REGION", true), ("AWS_*", "MY_AWS_REGION", false),
            ("*_PROXY", "HTTPS_PROXY", true), ("*_PROXY", "HTTPS_PROXY_X", false), ("A*B*C", "AxxBxxBxC", true),
            ("A*B*C", "AxxBxx", false), ("?", "A", true), ("?", "AB", false), ("*", "ANY", true),
            ("X", "X", true), ("X", "x", false),
        ]
        for (pattern, name, expected) in cases {
            #expect(EnvInheritance.standardAnd([pattern]).inherits(name) == expected, "\(pattern) \(name)")
        }
    }

    @Test func badFormsAreErrorsAtTheirPosition() {
        expectError(
            """
            services:
              api: { command: run, env_inherit: yes }
            """,
            "'env_inherit' must be true, false or a list of variable names and patterns (e.g. [AWS_*, "
                + "HTTP_PROXY]), got 'yes'", line: 2, column: 37)
        let entries = diagnostics(
            """
            services:
              api:
                command: run
                env_inherit: [PATH, "AWS-*", 3X]
            """
        ).map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0) \($0.message)" }
        let entry =
            "'env_inherit' entries must be variable names or patterns like AWS_* (letters, digits, '_', '*' "
            + "and '?'), got "
        #expect(entries == ["4:25 \(entry)'AWS-*'", "4:34 \(entry)'3X'"])
        expectError(
            """
            env_inherit: { AWS: true }
            services:
              api: { command: run }
            """,
            "'env_inherit' must be true, false or a list of variable names and patterns (e.g. [AWS_*, "
                + "HTTP_PROXY]), got a mapping", line: 1, column: 14)
    }

    @Test func variablesOfTheAdminTokenAndSecretsAreSecretAndATLSKeyPathIsWithheld() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("cert.pem", "-----BEGIN CERTIFICATE-----\n")
        try folder.write("key.pem", "-----BEGIN PRIVATE KEY-----\n")
        let manifest = try ManifestLoader.parse(
            yaml: """
                admin: { listen: "127.0.0.1:9100", token: "${ADMIN_TOKEN}" }
                gateway:
                  listen:
                    - { address: "127.0.0.1:8443", tls: { cert: "${CERT_DIR}/cert.pem", key: "${KEY_DIR}/key.pem" } }
                  routes: [{ path: /, service: web }]
                services:
                  web: { command: run, port: auto, env: { DB: { secret: "${DB_PASSWORD}" }, PLAIN: "${PLAIN}" } }
                """, file: folder.path + "/berth.yaml",
            environment: [
                "ADMIN_TOKEN": "admin-token-0123456789", "CERT_DIR": folder.path, "KEY_DIR": folder.path,
                "DB_PASSWORD": "pw-1234", "PLAIN": "p",
            ])
        #expect(manifest.secretVariables == ["ADMIN_TOKEN", "DB_PASSWORD"])
        #expect(manifest.keyPathVariables == ["KEY_DIR"], "the certificate is public; its path is no secret")
        #expect(manifest.withheldVariables == ["ADMIN_TOKEN", "DB_PASSWORD", "KEY_DIR"])
    }

    @Test func aBadVariableInTheAdminTokenIsNotQuoted() {
        let errors = diagnostics(
            """
            admin: { listen: "127.0.0.1:9100", token: "abc${tok en}def" }
            services:
              api: { command: run }
            """
        ).filter { $0.severity == .error }
        #expect(errors.contains { $0.message.contains("of a secret value") }, "\(errors)")
        #expect(
            errors.allSatisfy { !$0.description.contains("tok en") && !$0.description.contains("abc") },
            "\(errors)")
    }

    @Test func changingEnvInheritRollsTheService() throws {
        let before = try #require(load("services:\n  api: { command: run }\n"))
        let after = try #require(load("env_inherit: [AWS_*]\nservices:\n  api: { command: run }\n"))
        #expect(ManifestDiff(from: before, to: after).changed == ["api": ["env_inherit"]])
    }
}
