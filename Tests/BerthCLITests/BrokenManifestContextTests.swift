import BerthControlProtocol
import Foundation
import Testing

@testable import BerthCLI

/// Found by the second outside audit (audit2): with the manifest broken while its project runs (a typo being
/// edited), `berth down`, `status`, `stop` and `scale` refused to run, so the user could not stop the project. They
/// need only the daemon's socket: they now reach it by the project's name; `up`, `reload` and `check` still refuse.
struct BrokenManifestContextTests {
    let directory: String
    let unique = UUID().uuidString

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("My Shop-\(unique)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func context(_ yaml: String, requireManifest: Bool) throws(CLIFailure) -> ProjectContext {
        let file = directory + "/berth.yaml"
        try? yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let options = try! GlobalOptions.parse(["-f", file])
        return try ProjectContext.resolve(options, requireManifest: requireManifest)
    }

    @Test func aBrokenManifestStillNamesItsProjectsDaemon() throws {
        let broken = "name: shop   # the shop\nservices:\n  web:\n    command: sleep 1000\n    replicas: [2\n"
        let found = try context(broken, requireManifest: false)
        #expect(found.manifest == nil)
        #expect(found.paths == ProjectPaths.defaults(project: "shop", environment: ProcessInfo.processInfo.environment))
        #expect(throws: CLIFailure.self) { try context(broken, requireManifest: true) }
    }

    @Test func withoutANameTheFolderNamesIt() throws {
        let found = try context("services:\n  web:\n    replicas: many\n", requireManifest: false)
        let name = "my-shop-" + unique.lowercased()
        #expect(found.paths == ProjectPaths.defaults(project: name, environment: ProcessInfo.processInfo.environment))
    }

    @Test func aNameThatCannotBeToldIsStillAnError() {
        #expect(throws: CLIFailure.self) { try context("name: ${PROJECT}\nservices: [\n", requireManifest: false) }
        #expect(throws: CLIFailure.self) { try context("name: Not Valid\nservices: [\n", requireManifest: false) }
    }

    /// audit3: `berth logs` refused a manifest that does not load (here a variable unset in this shell), although
    /// it is what one reads when something is broken; it now reads the project named by the `name:` line.
    @Test func logsAreReadDespiteABrokenManifest() throws {
        let file = directory + "/berth.yaml"
        try "name: shop\nservices:\n  web:\n    command: [\"${UNSET_IN_THIS_SHELL_\(unique.prefix(8))}\"]\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        let options = try LogsGlobalOptions.parse(["--file", file])
        let reading = try LogReading.resolve(options)
        #expect(reading.project == "shop")
    }
}
