import BerthManifest
import Testing

/// The `watch:` key: parsing, defaults, errors, and which paths count.
@Suite struct WatchKeyTests {
    @Test func parsesPathsIgnoreAndDebounce() {
        let manifest = load(
            """
            services:
              api:
                command: .build/debug/api
                watch: { paths: ["Sources/**/*.swift", Package.swift], ignore: ["*.tmp"], debounce: 200ms }
            """)
        let watch = manifest?.services["api"]?.watch
        #expect(watch?.paths.map(\.text) == ["Sources/**/*.swift", "Package.swift"])
        #expect(watch?.ignore.map(\.text) == ["*.tmp"])
        #expect(watch?.debounce == .milliseconds(200))
        #expect(watch?.directory == "/srv/shop")
    }

    @Test func aListIsThePathsWithTheDefaultDebounce() {
        let manifest = load(
            """
            services:
              api: { command: a, watch: [src] }
            """)
        #expect(manifest?.services["api"]?.watch?.paths.map(\.text) == ["src"])
        #expect(manifest?.services["api"]?.watch?.debounce == .milliseconds(500))
    }

    @Test func enabledAndBuildTimeout() {
        let defaults = load("services:\n  api: { command: a, watch: [src] }\n")?.services["api"]?.watch
        // Off unless `berth up --watch`; builds are killed after 10 minutes.
        #expect(defaults?.enabled == false)
        #expect(defaults?.buildTimeout == .seconds(600))
        let set = load(
            "services:\n  api: { command: a, watch: { paths: [src], enabled: true, build_timeout: 2m } }\n"
        )?.services["api"]?.watch
        #expect(set?.enabled == true)
        #expect(set?.buildTimeout == .seconds(120))
        expectError(
            "services:\n  api: { command: a, watch: { paths: [src], build_timeout: 0s } }\n",
            "'build_timeout' must be greater than 0, got 0s", line: 2, column: 60)
        expectError(
            "services:\n  api: { command: a, watch: { paths: [src], enabled: yes please } }\n",
            "'enabled' must be true or false, got 'yes please'", line: 2, column: 54)
    }

    @Test func missingPaths() {
        expectError(
            """
            services:
              api:
                command: a
                watch: { debounce: 1s }
            """, "'watch' of service 'api' has no 'paths' (e.g. paths: [\"src/**\"])", line: 4, column: 12)
    }

    @Test func badPatternAndDuration() {
        expectError(
            """
            services:
              api: { command: a, watch: { paths: [/etc/passwd] } }
            """, "'paths' pattern '/etc/passwd': a pattern must be relative to the manifest's folder", line: 2,
            column: 39)
        expectError(
            """
            services:
              api: { command: a, watch: { paths: [src], debounce: soon } }
            """, "'debounce' is not a valid duration: 'soon' (use e.g. 250ms, 2s, 1m30s)", line: 2, column: 55)
    }

    @Test func anEmptyList() {
        expectError(
            """
            services:
              api: { command: a, watch: { paths: [] } }
            """, "'watch' of service 'api' lists no paths", line: 2, column: 38)
    }

    @Test func ignoreWinsAndOneComponentMatchesAtAnyDepth() throws {
        let spec = WatchSpec(
            paths: [try GlobPattern("src"), try GlobPattern("*.yaml")],
            ignore: [try GlobPattern("node_modules"), try GlobPattern("*.swp"), try GlobPattern("src/gen/**")],
            directory: "/p")
        #expect(spec.matches("src/app/main.c"))
        #expect(spec.matches("berth.yaml"))
        #expect(!spec.matches("README.md"))
        #expect(!spec.matches("src/app/.main.c.swp"))
        #expect(!spec.matches("src/node_modules/x/index.js"))
        #expect(!spec.matches("src/gen/out.c"))
    }
}
