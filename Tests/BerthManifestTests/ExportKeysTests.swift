import BerthManifest
import Testing

/// The keys added for exports and rollouts: image, container_port, rollout, notify.
@Suite struct ExportKeysTests {
    @Test func defaultsApplyWhenTheKeysAreAbsent() throws {
        let manifest = try #require(
            load(
                """
                services:
                  web:
                    command: sleep 1000
                """))
        let web = try #require(manifest.services["web"])
        #expect(web.image == nil)
        #expect(web.containerPort == 8080)
        #expect(web.rollout == RolloutSpec(maxSurge: 1, maxUnavailable: 0, readyTimeout: .seconds(60)))
        #expect(web.notify == false)
    }

    @Test func keysAreReadWithTheirLocations() throws {
        let manifest = try #require(
            load(
                """
                services:
                  web:
                    command: sleep 1000
                    image: registry.example/web:1.2
                    container_port: 9000
                    rollout: { max_surge: 0, max_unavailable: 2, ready_timeout: 2m }
                    notify: true
                """))
        let web = try #require(manifest.services["web"])
        #expect(web.image == "registry.example/web:1.2")
        #expect(web.containerPort == 9000)
        #expect(web.rollout == RolloutSpec(maxSurge: 0, maxUnavailable: 2, readyTimeout: .seconds(120)))
        #expect(web.notify)
        #expect(web.keyLocations["image"]?.line == 4)
        #expect(web.keyLocations["container_port"]?.line == 5)
        #expect(web.keyLocations["rollout.max_unavailable"]?.column == 30)
        #expect(web.keyLocations["notify"]?.line == 7)
    }

    @Test func rolloutCannotStandStill() {
        expectError(
            """
            services:
              web:
                command: sleep 1000
                rollout: { max_surge: 0, max_unavailable: 0 }
            """,
            "'rollout' of service 'web': max_surge and max_unavailable cannot both be 0 (the rollout could never "
                + "replace a replica)", line: 4, column: 27)
    }

    @Test func rolloutCountsAreNotNegative() {
        expectError(
            """
            services:
              web:
                command: sleep 1000
                rollout: { max_surge: -1 }
            """, "'max_surge' must be >= 0, got -1", line: 4, column: 27)
    }

    @Test func unknownRolloutKeyIsNamed() {
        expectError(
            """
            services:
              web:
                command: sleep 1000
                rollout: { max_surges: 2 }
            """, "unknown key 'max_surges' in 'rollout' of service 'web'; did you mean 'max_surge'?",
            line: 4, column: 16)
    }

    @Test func containerPortMustBeAPort() {
        expectError(
            """
            services:
              web:
                command: sleep 1000
                container_port: 70000
            """, "'container_port' must be a port number 1..65535, got 70000", line: 4, column: 21)
    }

    @Test func notifyMustBeABool() {
        expectError(
            """
            services:
              web:
                command: sleep 1000
                notify: sometimes
            """, "'notify' must be true or false, got 'sometimes'", line: 4, column: 13)
    }

    @Test func imageMustNotContainSpaces() {
        expectError(
            """
            services:
              web:
                command: sleep 1000
                image: my image
            """, "'image' must be a container image reference without spaces, got 'my image'", line: 4, column: 12)
    }
}
