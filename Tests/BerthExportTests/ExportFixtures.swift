import BerthExport
import BerthManifest
import BerthManifestYAML
import Foundation
import Testing

/// The repository's folders and the manifests the golden files are made from.
enum ExportFixtures {
    /// The package root (three levels above this file).
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let goldenDirectory = root + "/Tests/BerthExportTests/Golden"

    /// Golden output must not depend on where the repository is checked out.
    static let stableRoot = "/srv/berth"

    /// Case name -> manifest path relative to the root.
    static let manifests: [(name: String, path: String)] = [
        ("export", "manifests/export.yaml"),
        ("export-grpc", "manifests/export-grpc.yaml"),
        ("full", "manifests/full.yaml"),
        ("hello", "examples/hello/berth.yaml"),
        ("schedule", "manifests/schedule.yaml"),
    ]

    /// Programs resolve to /usr/bin, as on Debian 12 (merged /usr), whatever this machine's PATH holds.
    static let debianPrograms: @Sendable (String) -> String? = { "/usr/bin/" + $0 }

    static func load(_ path: String) throws -> Manifest {
        try ManifestLoader.load(path: root + "/" + path, environment: [:], accounts: .skip)
    }

    static func loadYAML(_ yaml: String) throws -> Manifest {
        try ManifestLoader.parse(yaml: yaml, file: "/srv/app/berth.yaml", environment: [:])
    }

    /// The exports checked by golden files: folder name -> result.
    static func exports(of manifest: Manifest) -> [(kind: String, result: ExportResult)] {
        [
            ("kubernetes", KubernetesExporter.export(manifest, options: .init(namespace: "shop"))),
            ("gateway-api", KubernetesExporter.export(manifest, options: .init(gatewayName: "public"))),
            ("systemd", SystemdExporter.export(manifest, options: .init(resolveProgram: debianPrograms))),
            (
                "systemd-254",
                SystemdExporter.export(
                    manifest,
                    options: .init(systemdVersion: 254, resolveProgram: debianPrograms))
            ),
        ]
    }

    /// Every file of a result plus `DIAGNOSTICS` (warnings and errors, one per line), paths made stable.
    static func goldenFiles(_ result: ExportResult) -> [String: String] {
        var files: [String: String] = [:]
        for file in result.files {
            files[file.name] = stable(file.contents)
        }
        let diagnostics = (result.errors + result.warnings).map { stable($0.description) }
        files["DIAGNOSTICS"] = diagnostics.map { $0 + "\n" }.joined()
        return files
    }

    static func stable(_ text: String) -> String {
        text.replacingOccurrences(of: root, with: stableRoot)
    }
}
