import BerthManifest
import BerthManifestYAML
import Testing

/// audit11: a NUL in an `env` value, a secret, an `env_file` line or a `command` argument (YAML's `"\0"`, a binary
/// byte in a file) passed `berth check`, and the replica got the text cut at the NUL (`"a\0b"` arrived as `a`): a
/// process's environment and arguments are C strings. Each is now an error at its place.
struct NulCharacterAudit11Tests {
    static let why = EnvFile.nulMessage

    @Test func envValuesSecretsAndArgumentsWithANulAreErrorsAtTheirPlace() {
        let errors = diagnostics(
            """
            services:
              web:
                command: ["sh", "-c", "echo a\\0b"]
                env:
                  PLAIN: "a\\0b"
                  HIDDEN: { secret: "s\\0s" }
              api:
                command: "echo a\\0b"
            """
        ).filter { $0.severity == .error }
        #expect(
            Set(errors.map(\.message)) == [
                "'command' argument: \(Self.why)", "env value of 'PLAIN': \(Self.why)",
                "the secret of 'HIDDEN': \(Self.why)", "'command': \(Self.why)",
            ], "\(errors)")
        #expect(Set(errors.compactMap(\.location?.line)) == [3, 5, 6, 8], "\(errors)")
        #expect(!errors.contains { $0.message.contains("s\u{0}s") }, "a secret is never quoted")
    }

    @Test func anEnvFileLineWithANulIsAnErrorAtItsValue() {
        let file = EnvFile(parsing: "GOOD=1\nBAD=a\u{0}b\n")
        #expect(file.entries.map(\.key) == ["GOOD"])
        #expect(file.problems.map { "\($0.line):\($0.column) \($0.message)" } == ["2:5 \(Self.why)"])
    }

    @Test func aNulFreeManifestStillLoads() {
        let manifest = load("services:\n  web:\n    command: [\"echo\", \"a\\\\0b\"]\n    env: { X: \"tab\\tend\" }\n")
        #expect(manifest?.services["web"]?.command == ["echo", "a\\0b"])
    }
}
