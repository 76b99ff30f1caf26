import BerthManifest
import BerthManifestYAML
import Foundation
import Testing

/// `env: { KEY: { secret: VALUE } }` and `secrets:` files: the values reach the spec, no diagnostic quotes them.
@Suite struct SecretKeysTests {
    static let secret = "s3cr3t-Val-9f2c"

    @Test func envSecretIsKeptApartAndInterpolated() throws {
        let manifest = try #require(
            load(
                """
                services:
                  api:
                    command: run
                    env:
                      PLAIN: visible
                      DB_PASSWORD: { secret: "pre-${PASS}" }
                      TOKEN: { secret: 12345 }
                      WITH_PORT: { secret: "p-${PORT}" }
                """, environment: ["PASS": Self.secret]))
        let api = try #require(manifest.services["api"])
        #expect(api.environment == ["PLAIN": "visible"])
        #expect(api.secrets.keys.sorted() == ["DB_PASSWORD", "TOKEN", "WITH_PORT"])
        #expect(api.secrets["DB_PASSWORD"]?.revealed == "pre-" + Self.secret)
        #expect(api.secrets["TOKEN"]?.revealed == "12345")
        #expect(ReplicaVariables.expand(api.secrets["WITH_PORT"]!.revealed, values: ["PORT": "81"]) == "p-81")
        #expect(api.keyLocations["env.DB_PASSWORD"]?.line == 6)
        #expect(manifest.secretVariables == ["PASS"], "PORT is per replica, not from the loading environment")
    }

    @Test func secretValuesNeverPrint() throws {
        let manifest = try #require(
            load(
                """
                services:
                  api: { command: run, env: { DB_PASSWORD: { secret: \(Self.secret) } } }
                """))
        let api = try #require(manifest.services["api"])
        for text in ["\(api)", String(describing: api), String(reflecting: api), "\(manifest)"] {
            #expect(!text.contains(Self.secret), "\(text)")
        }
        var dumped = ""
        dump(api, to: &dumped)
        #expect(!dumped.contains(Self.secret))
        #expect("\(api.secrets["DB_PASSWORD"]!)" == "(secret)")
    }

    @Test func secretsFilesLayerOverEnvFilesAndUnderEnv() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("app.env", "A=plain\nB=plain\nC=plain\n")
        try folder.write("one.secrets", "B=secret-one\nD=secret-d\n")
        try folder.write("two.secrets", "D=secret-two\n")
        for name in ["one.secrets", "two.secrets"] {
            chmod(folder.path + "/" + name, 0o600)
        }
        try folder.write(
            "berth.yaml",
            """
            services:
              api:
                command: run
                env_file: app.env
                secrets: [one.secrets, two.secrets]
                env: { C: override, E: { secret: inline } }
            """)
        let manifest = try ManifestLoader.load(path: folder.path + "/berth.yaml", environment: [:], accounts: .skip)
        let api = try #require(manifest.services["api"])
        #expect(api.environment == ["A": "plain", "C": "override"])
        #expect(api.secrets.mapValues(\.revealed) == ["B": "secret-one", "D": "secret-two", "E": "inline"])
        #expect(manifest.warnings.isEmpty, "\(manifest.warnings)")
    }

    @Test func secretsFileProblemsQuoteNoText() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("bad.secrets", "GOOD=1\n\(Self.secret)\nmy \(Self.secret)=x\nQ=\"\(Self.secret)\n")
        try folder.write("open.secrets", "X=1\n")
        chmod(folder.path + "/open.secrets", 0o644)
        try folder.write(
            "berth.yaml",
            """
            services:
              api: { command: run, secrets: [bad.secrets, open.secrets, missing.secrets] }
            """)
        do {
            _ = try ManifestLoader.load(path: folder.path + "/berth.yaml", environment: [:], accounts: .skip)
            Issue.record("expected errors")
        } catch {
            let text = "\(error)"
            #expect(!text.contains(Self.secret), "\(text)")
            let messages = error.diagnostics.map(\.message)
            #expect(messages.contains("expected KEY=VALUE"))
            #expect(messages.contains("invalid environment variable name"))
            #expect(messages.contains("unbalanced double quote in value"))
            #expect(messages.contains { $0.hasPrefix("secrets file '") && $0.hasSuffix("missing.secrets' not found") })
            #expect(messages.contains { $0.contains("open.secrets' can be read or written by other users (mode 644)") })
            let bad = error.diagnostics.first { $0.message == "expected KEY=VALUE" }
            #expect(bad?.location?.file.hasSuffix("bad.secrets") == true && bad?.location?.line == 2)
        }
    }

    @Test func unreadableEnvFileSaysWhy() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.path + "/dir.env", withIntermediateDirectories: true)
        try folder.write("berth.yaml", "services:\n  api: { command: run, env_file: [dir.env] }\n")
        do {
            _ = try ManifestLoader.load(path: folder.path + "/berth.yaml", environment: [:], accounts: .skip)
            Issue.record("expected errors")
        } catch {
            #expect(
                error.diagnostics.map(\.message) == ["env_file '\(folder.path)/dir.env' is a directory, not a file"])
            #expect(error.diagnostics.first?.location?.line == 2)
        }
    }

    @Test func badSecretFormsArePositionedAndQuoteNoValue() {
        expectError(
            """
            services:
              api:
                command: run
                env:
                  A: { secret: [\(Self.secret)] }
            """, "the secret of 'A' must be a string, number or bool, got a list", line: 5, column: 20)
        expectError(
            """
            services:
              api:
                command: run
                env:
                  A: { secrte: \(Self.secret) }
            """, "unknown key 'secrte' in env value 'A'; did you mean 'secret'?", line: 5, column: 12)
        expectError(
            """
            services:
              api:
                command: run
                env:
                  A: { secret: }
            """, "env value 'A' needs a value: { secret: VALUE }", line: 5, column: 10)
        expectError(
            """
            services:
              api:
                command: run
                env:
                  A: { secret: "ab${9\(Self.secret)}" }
            """, "invalid variable name in '${...}' of a secret value; write '$$' for a literal '$'", line: 5,
            column: 23)
    }

    @Test func plainEnvCannotReplaceAFileSecret() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("db.secrets", "DB_PASSWORD=x\n")
        chmod(folder.path + "/db.secrets", 0o600)
        try folder.write(
            "berth.yaml",
            """
            services:
              api:
                command: run
                secrets: db.secrets
                env: { DB_PASSWORD: plain }
            """)
        do {
            _ = try ManifestLoader.load(path: folder.path + "/berth.yaml", environment: [:], accounts: .skip)
            Issue.record("expected errors")
        } catch {
            #expect(
                error.diagnostics.map(\.message) == [
                    "'DB_PASSWORD' is a secret from '\(folder.path)/db.secrets'; "
                        + "a plain env value cannot replace it (write { secret: VALUE } or remove one of them)"
                ])
            #expect(error.diagnostics.first?.location?.line == 5)
        }
    }

    @Test func aChangedSecretRollsTheService() throws {
        func manifest(_ value: String) throws -> Manifest {
            try #require(load("services:\n  api: { command: run, env: { P: { secret: \(value) } } }\n"))
        }
        let diff = ManifestDiff(from: try manifest("one-value"), to: try manifest("two-value"))
        #expect(diff.changed == ["api": ["env"]])
        #expect(!diff.plan.joined().contains("one-value") && !diff.plan.joined().contains("two-value"))
        #expect(ManifestDiff(from: try manifest("same-value"), to: try manifest("same-value")).unchanged == ["api"])
    }

    @Test func aSecretsFileLoadedAsAManifestIsNotQuoted() {
        expectError(
            "API_TOKEN=\(Self.secret)\nOTHER=\(Self.secret)\n",
            "the manifest must be a mapping with keys name, gateway and services, got text", line: 1, column: 1)
    }
}
