import BerthManifest
import BerthManifestYAML
import Foundation
import Testing

/// The manifest without repetition: anchors and merge keys with `x-` fields, `include:`, the override file and
/// `.env`, each with diagnostics that name the file, line and column a value came from.
@Suite struct ReuseTests {
    @Test func mergeKeysAndExtensionFieldsGiveEachServiceTheDefaults() throws {
        let manifest = try #require(
            load(
                """
                x-defaults: &defaults
                  restart: { policy: on-failure }
                  env: { MODE: shared, LEVEL: info }
                services:
                  a:
                    <<: *defaults
                    command: ["/bin/a"]
                  b:
                    <<: *defaults
                    command: ["/bin/b"]
                    env: { MODE: own }
                  c:
                    x-note: ignored like every x- key
                    <<: [*defaults, { replicas: 3, restart: { policy: never } }]
                    command: ["/bin/c"]
                """))
        #expect(manifest.services["a"]?.restart.policy == .onFailure)
        #expect(manifest.services["a"]?.environment == ["MODE": "shared", "LEVEL": "info"])
        // A key written in the service wins over the merged one as a whole (YAML merge keys are shallow).
        #expect(manifest.services["b"]?.environment == ["MODE": "own"])
        #expect(manifest.services["c"]?.restart.policy == .onFailure, "the earlier merged mapping wins")
        #expect(manifest.services["c"]?.replicas == 3)
    }

    @Test func anErrorInAMergedValuePointsAtTheAnchorOnce() {
        expectError(
            """
            x-defaults: &defaults
              replicas: many
            services:
              a:
                <<: *defaults
                command: ["/bin/a"]
              b:
                <<: *defaults
                command: ["/bin/b"]
            """, "'replicas' must be an integer, got 'many'", line: 2, column: 13)
    }

    @Test func aMergeKeyOfAScalarIsAnError() {
        expectError(
            """
            services:
              a:
                <<: text
                command: ["/bin/a"]
            """, "'<<' must merge a mapping or a list of mappings (an alias such as *defaults), got 'text'",
            line: 3, column: 9)
    }

    @Test func anUnknownTopLevelKeyIsStillAnErrorButXKeysAreNot() {
        expectError(
            """
            x-anything: { whatever: [1, 2] }
            defaults: {}
            services:
              a: { command: ["/bin/a"] }
            """, "unknown key 'defaults' in the manifest", line: 2, column: 1)
    }

    @Test func includesMergeKeyByKeyAndTheIncludingFileWins() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write(
            "base.yaml",
            """
            services:
              db: { command: ["/bin/db"], env: { A: base, B: base } }
              web: { command: ["/bin/web"], replicas: 2 }
            """)
        try folder.write(
            "more.yaml",
            """
            services:
              db: { env: { B: more } }
            """)
        try folder.write(
            "berth.yaml",
            """
            name: inc
            include: [base.yaml, more.yaml]
            services:
              web: { replicas: 4 }
            """)
        let manifest = try ManifestLoader.load(path: folder.path + "/berth.yaml", environment: [:])
        #expect(manifest.services["db"]?.command == ["/bin/db"])
        #expect(manifest.services["db"]?.environment == ["A": "base", "B": "more"])
        #expect(manifest.services["web"]?.replicas == 4)
        #expect(manifest.services["web"]?.command == ["/bin/web"])
        #expect(
            manifest.sourceFiles == [
                folder.path + "/berth.yaml", folder.path + "/base.yaml",
                folder.path + "/more.yaml",
            ])
    }

    @Test func diagnosticsInAnIncludedFileNameThatFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write(
            "svc.yaml",
            """
            services:
              web:
                command: ["/bin/web"]
                replicas: -1
            """)
        try folder.write(
            "berth.yaml",
            """
            # the manifest
            include: svc.yaml
            services:
              db:
                command: ["/bin/db"]
                restart: { policy: sometimes }
            """)
        let errors = try #require(loadErrors(folder.path + "/berth.yaml"))
        let described = errors.map(\.description)
        #expect(
            described.contains(folder.path + "/svc.yaml:4:15: error: 'replicas' must be >= 0, got -1")
                || described.contains { $0.hasPrefix(folder.path + "/svc.yaml:4:15: error: 'replicas'") },
            "\(described)")
        #expect(described.contains { $0.hasPrefix(folder.path + "/berth.yaml:6:24: error:") }, "\(described)")
    }

    @Test func missingAndCyclicIncludesAreErrorsAtTheEntry() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("a.yaml", "include: [berth.yaml]\n")
        try folder.write(
            "berth.yaml",
            """
            include:
              - a.yaml
              - nowhere.yaml
            services:
              web: { command: ["/bin/web"] }
            """)
        let errors = try #require(loadErrors(folder.path + "/berth.yaml")).map(\.description)
        let cycle = folder.path + "/a.yaml:1:11: error: 'berth.yaml' is already being included"
        #expect(
            errors.contains { $0.hasPrefix(cycle) },
            "\(errors)")
        #expect(
            errors.contains(
                folder.path + "/berth.yaml:3:5: error: included file '\(folder.path)/nowhere.yaml' not found"),
            "\(errors)")
    }

    @Test func theOverrideFileBesideTheManifestIsMergedLast() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write(
            "berth.yaml",
            """
            services:
              web: { command: ["/bin/web"], replicas: 2, env: { LEVEL: info } }
            """)
        try folder.write(
            "berth.override.yaml",
            """
            services:
              web: { env: { LEVEL: debug }, replicas: ~ }
            """)
        let manifest = try ManifestLoader.load(path: folder.path + "/berth.yaml", environment: [:])
        #expect(manifest.services["web"]?.environment == ["LEVEL": "debug"])
        #expect(manifest.services["web"]?.replicas == 1, "a null unsets the key: its default again")
        #expect(manifest.sourceFiles.last == folder.path + "/berth.override.yaml")
        // Another manifest in the same folder has its own override file.
        try folder.write("stack.yaml", "services: { web: { command: [\"/bin/web\"], replicas: 2 } }\n")
        #expect(
            try ManifestLoader.load(path: folder.path + "/stack.yaml", environment: [:]).services["web"]?.replicas
                == 2)
    }

    @Test func anOverrideThatCannotBeReadIsAnErrorNotIgnored() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("berth.yaml", "services: { web: { command: [\"/bin/web\"] } }\n")
        try FileManager.default.createDirectory(
            atPath: folder.path + "/berth.override.yaml",
            withIntermediateDirectories: false)
        let errors = try #require(loadErrors(folder.path + "/berth.yaml")).map(\.description)
        #expect(
            errors == [
                folder.path + "/berth.override.yaml:1:1: error: override file '" + folder.path
                    + "/berth.override.yaml' is a directory, not a file"
            ])
    }

    @Test func dotEnvFeedsInterpolationAndTheEnvironmentWins() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write(".env", "# defaults for development\nTAG=dev\nPORT_A=7001\n")
        try folder.write(
            "berth.yaml",
            """
            services:
              web: { command: ["/bin/web", "${TAG}", "${PORT_A}"] }
            """)
        let plain = try ManifestLoader.load(path: folder.path + "/berth.yaml", environment: [:])
        #expect(plain.services["web"]?.command == ["/bin/web", "dev", "7001"])
        let overridden = try ManifestLoader.load(path: folder.path + "/berth.yaml", environment: ["TAG": "prod"])
        #expect(overridden.services["web"]?.command == ["/bin/web", "prod", "7001"])
        #expect(!overridden.services["web"]!.environment.keys.contains("TAG"), ".env values are not env: values")
    }

    @Test func aBadDotEnvLineIsAnErrorInThatFileWithoutItsText() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write(".env", "OK=1\nhunter2\n")
        try folder.write("berth.yaml", "services: { web: { command: [\"/bin/web\"] } }\n")
        let errors = try #require(loadErrors(folder.path + "/berth.yaml")).map(\.description)
        #expect(errors.count == 1 && errors[0].hasPrefix(folder.path + "/.env:2:1: error:"), "\(errors)")
        #expect(!errors.joined().contains("hunter2"))
    }

    private func loadErrors(_ path: String) -> [Diagnostic]? {
        do {
            _ = try ManifestLoader.load(path: path, environment: [:])
            Issue.record("loaded")
            return nil
        } catch {
            return error.diagnostics.filter { $0.severity == .error }
        }
    }
}
