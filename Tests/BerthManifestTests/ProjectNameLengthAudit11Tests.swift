import BerthManifest
import BerthManifestYAML
import Testing

/// audit11: `name:` of 100 characters passed `berth check`; `berth up` then failed with "lost the connection to the
/// daemon ...: invalid socket path" (`/run/berth/NAME/control.sock` no longer fits a Unix socket address), and the
/// Kubernetes export wrote it into label values, which hold 63 characters. A name is now at most 63 characters, and
/// a name taken from a long folder name is cut to that.
struct ProjectNameLengthAudit11Tests {
    @Test func aNameLongerThan63CharactersIsAnErrorAtTheKey() {
        let long = String(repeating: "p", count: 64)
        expectError(
            """
            name: \(long)
            services:
              web: { command: sleep 1 }
            """,
            "project name '\(long)' is 64 characters long; at most 63 (it names the control socket, whose path must "
                + "fit a Unix socket address, and Kubernetes labels)", line: 1, column: 7)
        let longest = String(repeating: "p", count: 63)
        #expect(load("name: \(longest)\nservices:\n  web: { command: sleep 1 }\n")?.project == longest)
    }

    @Test func aNameFromALongFolderIsCutTo63Characters() throws {
        let folder = try TemporaryFolder(name: "Customer Portal " + String(repeating: "x", count: 80))
        defer { folder.remove() }
        let manifest = try #require(load("services:\n  web: { command: sleep 1 }\n", file: folder.path + "/berth.yaml"))
        #expect(manifest.project == "customer-portal-" + String(repeating: "x", count: 47))
        try folder.write("berth.yaml", "services:\n  web: { command: sleep 1 }\n")
        #expect(ManifestLoader.projectName(path: folder.path + "/berth.yaml") == manifest.project)
    }
}
