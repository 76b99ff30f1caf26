import BerthExport
import BerthManifest
import Testing

/// audit12, `berth export kubernetes` with odd names: a service name cut to 63 characters could end in `-` (an
/// invalid object name, which `kubectl apply` refuses), and two route hosts that differ only in `.` against `-` (or
/// past the 63rd character) gave two HTTPRoutes one name, so the second replaced the first on apply and the first
/// host's routes were lost without a word.
@Suite struct KubernetesNamesAudit12Tests {
    /// The `metadata.name` of every document: the one key indented by two spaces named `name`.
    private func names(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { $0.hasPrefix("  name: ") ? String($0.dropFirst(8)) : nil }
    }

    private func isDNSLabel(_ name: String) -> Bool {
        guard let first = name.first, let last = name.last, name.count <= 63 else { return false }
        return first.isLetter && (last.isLetter || last.isNumber)
            && name.allSatisfy { $0 == "-" || ($0.isASCII && ($0.isLowercase || $0.isNumber)) }
    }

    @Test func aLongServiceNameIsCutToAValidName() throws {
        let service = String(repeating: "a", count: 62) + "_b"
        let manifest = try ExportFixtures.loadYAML(
            "services:\n  \(service): { image: \"app:1\", command: app, port: auto }\n")
        let result = KubernetesExporter.export(manifest)
        #expect(result.errors.isEmpty, "\(result.errors)")
        let file = try #require(result.files.first { $0.name.hasPrefix("aaa") })
        for name in names(file.contents) {
            #expect(isDNSLabel(name) || name.hasSuffix("-secrets"), "\(name)")
        }
        #expect(file.name == String(repeating: "a", count: 62) + ".yaml", "\(file.name)")
    }

    @Test func hostsThatNameAlikeGetHTTPRoutesOfTheirOwn() throws {
        let long = String(repeating: "x", count: 70)
        let manifest = try ExportFixtures.loadYAML(
            """
            gateway:
              routes:
                - { path: /, service: web, host: a.example.com }
                - { path: /, service: api, host: a-example.com }
                - { path: /, service: web, host: \(long).one.example }
                - { path: /, service: api, host: \(long).two.example }
            services:
              web: { image: "app:1", command: app, port: auto }
              api: { image: "app:1", command: app, port: auto }
            """)
        let result = KubernetesExporter.export(manifest, options: .init(gatewayName: "public"))
        let routes = try #require(result.contents(of: "httproutes.yaml"))
        let found = names(routes)
        #expect(found.count == 4, "\(found)")
        #expect(Set(found).count == 4, "one name for two HTTPRoutes: \(found)")
        #expect(found.allSatisfy(isDNSLabel), "\(found)")
    }

    @Test func aProjectNameEndingInADashMakesValidLabelValues() throws {
        let manifest = try ExportFixtures.loadYAML(
            "name: shop-\nservices:\n  web: { image: \"app:1\", command: app, port: auto }\n")
        let result = KubernetesExporter.export(manifest)
        let text = result.files.map(\.contents).joined()
        let values = text.split(separator: "\n").compactMap { line -> Substring? in
            let trimmed = line.drop { $0 == " " }
            guard trimmed.hasPrefix("app.kubernetes.io/instance: ") || trimmed.hasPrefix("app.kubernetes.io/part-of: ")
            else { return nil }
            return trimmed.split(separator: " ").last
        }
        #expect(!values.isEmpty)
        #expect(values.allSatisfy { $0 == "shop" }, "\(values)")
    }
}
