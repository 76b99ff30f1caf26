import BerthManifest
import BerthManifestYAML
import Foundation
import Testing

/// A fresh directory for a test's manifest and env files, removed by `remove()`.
struct TemporaryFolder {
    let path: String

    init(name: String = "proj") throws {
        let base = FileManager.default.temporaryDirectory.path + "/berth-manifest-tests-" + UUID().uuidString
        path = base + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: PathText.parent(of: path))
    }
}

enum PathText {
    static func parent(of path: String) -> String {
        String(path[..<path.lastIndex(of: "/")!])
    }
}

let manifestFile = "/srv/shop/berth.yaml"

/// Loads `yaml` as `/srv/shop/berth.yaml` and returns its diagnostics (failing the test when it loads).
func diagnostics(
    _ yaml: String,
    file: String = manifestFile,
    environment: [String: String] = [:],
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> [Diagnostic] {
    do {
        let manifest = try ManifestLoader.parse(yaml: yaml, file: file, environment: environment)
        Issue.record(
            "expected errors, got a manifest with services \(manifest.services.keys.sorted())",
            sourceLocation: sourceLocation)
        return []
    } catch {
        return error.diagnostics
    }
}

/// Asserts that loading `yaml` fails with exactly one error, `message`, at `line:column`.
func expectError(
    _ yaml: String,
    _ message: String,
    line: Int,
    column: Int,
    file: String = manifestFile,
    environment: [String: String] = [:],
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    let errors = diagnostics(yaml, file: file, environment: environment, sourceLocation: sourceLocation)
        .filter { $0.severity == .error }
    #expect(errors.count == 1, "errors: \(errors)", sourceLocation: sourceLocation)
    guard let error = errors.first else { return }
    #expect(error.message == message, sourceLocation: sourceLocation)
    #expect(error.location?.line == line, "at \(String(describing: error.location))", sourceLocation: sourceLocation)
    #expect(
        error.location?.column == column, "at \(String(describing: error.location))",
        sourceLocation: sourceLocation)
}

/// Loads `yaml`, recording the diagnostics as a test issue when it fails.
func load(
    _ yaml: String,
    file: String = manifestFile,
    environment: [String: String] = [:],
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> Manifest? {
    do {
        return try ManifestLoader.parse(yaml: yaml, file: file, environment: environment)
    } catch {
        Issue.record("unexpected errors:\n\(error)", sourceLocation: sourceLocation)
        return nil
    }
}
