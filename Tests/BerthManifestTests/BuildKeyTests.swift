import BerthManifest
import Testing

/// The `build:` key: parsing, defaults, errors and the deduplication of shared steps.
@Suite struct BuildKeyTests {
    @Test func parsesCommandWorkdirAndInputs() {
        let manifest = load(
            """
            services:
              api:
                command: .build/debug/api
                build: { command: swift build, workdir: app, inputs: [Package.swift, "Sources/**/*.swift"] }
            """)
        let build = manifest?.services["api"]?.build
        #expect(build?.command == ["swift", "build"])
        #expect(build?.workdir == "/srv/shop/app")
        #expect(build?.inputs.map(\.text) == ["Package.swift", "Sources/**/*.swift"])
        #expect(manifest?.services["api"]?.keyLocations["build.inputs"]?.line == 4)
    }

    @Test func workdirDefaultsToTheManifestFolder() {
        let manifest = load(
            """
            services:
              api: { command: a, build: { command: [make] } }
            """)
        #expect(
            manifest?.services["api"]?.build
                == BuildSpec(
                    command: ["make"], workdir: "/srv/shop",
                    inputs: [], location: manifest?.services["api"]?.build?.location))
    }

    @Test func missingCommand() {
        expectError(
            """
            services:
              api:
                command: a
                build: { workdir: . }
            """, "'build' of service 'api' has no 'command'", line: 4, column: 12)
    }

    @Test func notAMapping() {
        expectError(
            """
            services:
              api: { command: a, build: make }
            """, "'build' must be a mapping, got 'make'", line: 2, column: 29)
    }

    @Test func unknownKeyWithSuggestion() {
        expectError(
            """
            services:
              api: { command: a, build: { command: make, input: [a] } }
            """, "unknown key 'input' in 'build' of service 'api'; did you mean 'inputs'?", line: 2, column: 46)
    }

    @Test func badPatterns() {
        expectError(
            """
            services:
              api: { command: a, build: { command: make, inputs: ["/etc/passwd"] } }
            """, "'inputs' pattern '/etc/passwd': a pattern must be relative to the build's workdir",
            line: 2, column: 55)
        expectError(
            """
            services:
              api: { command: a, build: { command: make, inputs: ["src/a**"] } }
            """, "'inputs' pattern 'src/a**': '**' must be a whole path component (as in 'Sources/**/*.swift')",
            line: 2, column: 55)
        expectError(
            """
            services:
              api: { command: a, build: { command: make, inputs: ["../x"] } }
            """, "'inputs' pattern '../x': a pattern must not contain '..'", line: 2, column: 55)
    }

    @Test func emptyCommand() {
        expectError(
            """
            services:
              api: { command: a, build: { command: [] } }
            """, "'build.command' must not be empty", line: 2, column: 40)
    }

    @Test func identicalStepsRunOnceForAllTheirServices() {
        let manifest = load(
            """
            services:
              a: { command: x, build: { command: make, inputs: [src] } }
              b: { command: x, build: { command: make, workdir: ., inputs: [Makefile] }, depends_on: [a] }
              c: { command: x, build: { command: make, workdir: other } }
              d: { command: x }
            """)
        let steps = manifest?.buildSteps ?? []
        #expect(steps.map(\.services) == [["a", "b"], ["c"]])
        #expect(steps.first?.spec.inputs.map(\.text) == ["src", "Makefile"])
    }
}

@Suite struct GlobPatternTests {
    func matches(_ pattern: String, _ path: String) throws -> Bool {
        try GlobPattern(pattern).matches(path)
    }

    @Test func wildcards() throws {
        #expect(try matches("*.swift", "main.swift"))
        #expect(try !matches("*.swift", "Sources/main.swift"))
        #expect(try matches("Sources/**/*.swift", "Sources/main.swift"))
        #expect(try matches("Sources/**/*.swift", "Sources/App/Deep/x.swift"))
        #expect(try !matches("Sources/**/*.swift", "Tests/x.swift"))
        #expect(try matches("file?.txt", "file1.txt"))
        #expect(try !matches("file?.txt", "file10.txt"))
        #expect(try matches("**", "any/thing/at/all"))
    }

    @Test func literalFolderMatchesItsContents() throws {
        #expect(try matches("Sources", "Sources/a/b.swift"))
        #expect(try matches("Package.swift", "Package.swift"))
        #expect(try !matches("Sources", "SourcesX/a.swift"))
    }

    @Test func rootIsTheFixedLeadingFolder() throws {
        #expect(try GlobPattern("Sources/App/**/*.swift").root == "Sources/App")
        #expect(try GlobPattern("*.swift").root == "")
        #expect(try GlobPattern("Package.swift").root == "")
    }
}
