import BerthManifest
import Testing

/// `berth up web worker` and `profiles:`: which services start, decided without a daemon.
@Suite struct ServiceSelectionTests {
    let manifest = load(
        """
        services:
          db: { command: ["/bin/db"] }
          cache: { command: ["/bin/cache"] }
          api: { command: ["/bin/api"], depends_on: [db] }
          web: { command: ["/bin/web"], depends_on: [api, cache] }
          worker: { command: ["/bin/worker"], depends_on: [db] }
          debug: { command: ["/bin/debug"], profiles: [dev, tools], depends_on: [mock] }
          mock: { command: ["/bin/mock"], profiles: [dev] }
        """)!

    @Test func namedServicesStartWithTheirDependenciesOnly() throws {
        let selection = try ServiceSelection(manifest, named: ["web"], profiles: [])
        #expect(selection.services == ["cache", "db", "api", "web"])
        #expect(!selection.isEverything)
        let two = try ServiceSelection(manifest, named: ["worker", "api"], profiles: [])
        #expect(two.services == ["db", "api", "worker"])
    }

    @Test func withoutNamesServicesWithProfilesWaitForOneOfThem() throws {
        let plain = try ServiceSelection(manifest, named: [], profiles: [])
        #expect(Set(plain.services) == ["db", "cache", "api", "web", "worker"])
        let tools = try ServiceSelection(manifest, named: [], profiles: ["tools"])
        #expect(
            Set(tools.services) == ["db", "cache", "api", "web", "worker", "debug", "mock"],
            "debug's dependency starts although its own profile is not active")
        #expect(tools.isEverything)
        #expect(try ServiceSelection(manifest, named: [], profiles: ["other"]).services.count == 5)
    }

    @Test func aNamedServiceStartsWhateverItsProfiles() throws {
        #expect(try ServiceSelection(manifest, named: ["mock"], profiles: []).services == ["mock"])
    }

    @Test func anUnknownNameIsAnErrorWithASuggestion() {
        #expect(throws: ServiceSelection.UnknownService(name: "webb", suggestion: "web")) {
            try ServiceSelection(manifest, named: ["webb"], profiles: [])
        }
    }

    @Test func profilesComeFromOptionsAndTheEnvironment() {
        #expect(
            ServiceSelection.activeProfiles(options: ["a"], environment: ["BERTH_PROFILES": "b, c,,"])
                == ["a", "b", "c"])
        #expect(ServiceSelection.activeProfiles(options: [], environment: [:]) == [])
    }

    @Test func badProfilesAreErrors() {
        expectError(
            """
            services:
              a: { command: ["/bin/a"], profiles: dev }
            """, "'profiles' must be a list of profile names, got 'dev'", line: 2, column: 39)
        expectError(
            """
            services:
              a: { command: ["/bin/a"], profiles: [dev, "no way"] }
            """, "invalid profile name 'no way'; use letters, digits, '_' and '-', starting with a letter or digit",
            line: 2, column: 45)
    }
}
