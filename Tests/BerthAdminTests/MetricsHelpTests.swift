import CoreMetrics
import Foundation
import Prometheus
import Testing

@testable import BerthAdmin

/// audit5: `/metrics` had `# TYPE` lines and no `# HELP` (swift-metrics has no description to give the backend).
/// Every family now has both, in that order, and the samples pass through unchanged.
@Suite struct MetricsHelpTests {
    @Test func everyFamilyGetsItsHelpBeforeItsType() throws {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        Counter(label: "berth_restarts_total", dimensions: [("service", "web")], factory: factory).increment()
        Gauge(label: "berth_replicas", dimensions: [("service", "web"), ("state", "running")], factory: factory)
            .record(2)
        Timer(label: "berth_probe_duration_seconds", dimensions: [("service", "web")], factory: factory)
            .recordMilliseconds(3)
        Gauge(label: "not_berths", factory: factory).record(1)
        let plain = String(decoding: registry.emitToBuffer(), as: UTF8.self)
        #expect(!plain.contains("# HELP"), "the backend now writes HELP itself: \(plain)")
        let annotated = String(decoding: MetricsHelp.annotate(registry.emitToBuffer()), as: UTF8.self)
        let lines = annotated.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for name in ["berth_restarts_total", "berth_replicas", "berth_probe_duration_seconds"] {
            let type = try #require(lines.firstIndex { $0.hasPrefix("# TYPE \(name) ") }, "\(annotated)")
            #expect(lines[type - 1] == "# HELP \(name) \(MetricsHelp.texts[name]!)", "\(annotated)")
        }
        // Without the HELP lines, the text is what the registry wrote, byte for byte.
        #expect(lines.filter { !$0.hasPrefix("# HELP ") }.joined(separator: "\n") == plain)
        // A family with no known help (none of berthd's) is left as it is rather than given an empty one.
        #expect(!annotated.contains("# HELP not_berths"))
        // Annotating twice adds nothing.
        #expect(MetricsHelp.annotate(Array(annotated.utf8)) == Array(annotated.utf8))
        #expect(MetricsHelp.annotate([]) == [])
    }

    /// Each series family berthd's sources make has its help here and its row in docs/metrics.md: a new family
    /// without either fails this test.
    @Test func everyFamilyInTheSourcesIsDescribed() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let sources = root.appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(atPath: sources.path))
        let pattern = try Regex(#"label: "(berth_[a-z_]+)""#)
        var families: Set<String> = []
        for case let file as String in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: pattern) {
                if let name = match.output[1].substring { families.insert(String(name)) }
            }
        }
        #expect(families.count >= 15, "\(families)")
        let docs = try String(contentsOf: root.appendingPathComponent("docs/metrics.md"), encoding: .utf8)
        for family in families.sorted() {
            #expect(MetricsHelp.texts[family] != nil, "\(family) has no # HELP text")
            #expect(docs.contains("| `\(family)` |"), "\(family) is not in docs/metrics.md")
        }
    }
}
