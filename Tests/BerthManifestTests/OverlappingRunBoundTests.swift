import BerthManifest
import BerthManifestYAML
import Testing

/// Found by the fifth outside audit (audit5): each overlapping run of a `concurrency: allow` job takes replicas of its
/// own at the indexes after the serving ones, so `replicas: 600` with `max_concurrent: 2` started job.600-1199, which
/// no command could name (`berth logs job.1000`, `berth stop job.1000` were refused). All runs together now fit.
@Suite struct OverlappingRunBoundTests {
    private func diagnostics(_ schedule: String, replicas: Int) -> [String] {
        let yaml = """
            services:
              job:
                command: app
                replicas: \(replicas)
                schedule: \(schedule)
            """
        do {
            _ = try ManifestLoader.parse(yaml: yaml, file: "/nonexistent-berth/berth.yaml", environment: [:])
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func replicasTimesMaxConcurrentStayWithinTheNameableIndexes() {
        #expect(diagnostics("{ every: 1m, concurrency: allow, max_concurrent: 2 }", replicas: 500).isEmpty)
        #expect(
            diagnostics("{ every: 1m, concurrency: allow, max_concurrent: 2 }", replicas: 600) == [
                "/nonexistent-berth/berth.yaml:5:48: error: 'replicas' (600) times 'max_concurrent' (2) must be "
                    + "<= 1000: each run of 'job' takes replicas of its own"
            ])
        // The default max_concurrent (3) counts too; the error is then at `concurrency`.
        #expect(
            diagnostics("{ every: 1m, concurrency: allow }", replicas: 334) == [
                "/nonexistent-berth/berth.yaml:5:28: error: 'replicas' (334) times 'max_concurrent' (3) must be "
                    + "<= 1000: each run of 'job' takes replicas of its own"
            ])
        // One run at a time (forbid, replace) takes the serving replicas only.
        #expect(diagnostics("{ every: 1m, concurrency: forbid }", replicas: 1000).isEmpty)
        #expect(diagnostics("{ every: 1m, concurrency: replace }", replicas: 1000).isEmpty)
    }
}
