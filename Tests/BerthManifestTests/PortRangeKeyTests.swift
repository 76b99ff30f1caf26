import BerthManifest
import BerthManifestYAML
import Testing

/// `port_range: LOW-HIGH`: where `port: auto` picks its ports.
@Suite struct PortRangeKeyTests {
    @Test func absentMeansTheKernelsRange() throws {
        let manifest = try ManifestLoader.parse(
            yaml: "services:\n  web: { command: a, port: auto }\n", file: manifestFile, environment: [:])
        #expect(manifest.portRange == nil)
    }

    @Test(arguments: [("20000-20999", 20000...20999), ("30000 - 30000", 30000...30000), ("1024-65535", 1024...65535)])
    func values(_ text: String, _ range: ClosedRange<Int>) throws {
        let yaml = "port_range: \(text)\nservices:\n  web: { command: a, port: auto }\n"
        #expect(try ManifestLoader.parse(yaml: yaml, file: manifestFile, environment: [:]).portRange == range)
    }

    @Test(arguments: [
        ("20000", "'port_range' must be LOW-HIGH, e.g. 20000-20999, got '20000'"),
        ("a-b", "'port_range' must be LOW-HIGH, e.g. 20000-20999, got 'a-b'"),
        ("1-2-3", "'port_range' must be LOW-HIGH, e.g. 20000-20999, got '1-2-3'"),
        ("20999-20000", "'port_range' must lie within 1024-65535 with LOW <= HIGH, got 20999-20000"),
        ("80-90", "'port_range' must lie within 1024-65535 with LOW <= HIGH, got 80-90"),
        ("60000-70000", "'port_range' must lie within 1024-65535 with LOW <= HIGH, got 60000-70000"),
    ])
    func badValues(_ text: String, _ message: String) {
        expectError("port_range: \(text)\nservices:\n  web: { command: a, port: auto }\n", message, line: 1, column: 13)
    }
}
