import BerthControlProtocol
import Foundation
import Testing

@testable import BerthCLI

/// Project discovery from a real manifest on disk, or from `--socket` alone.
struct ProjectContextTests {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("berth-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func options(_ arguments: [String]) throws -> GlobalOptions {
        try GlobalOptions.parse(arguments)
    }

    @Test func findsTheDaemonFromTheManifestsProject() throws {
        let file = try write("berth.yaml", "name: shop\nservices:\n  web:\n    command: sleep 1000\n")
        let context = try ProjectContext.resolve(try options(["-f", file]), requireManifest: false)
        #expect(context.manifest?.project == "shop")
        #expect(context.manifest?.services.count == 1)
        let expected = ProjectPaths.defaults(project: "shop", environment: ProcessInfo.processInfo.environment)
        #expect(context.paths == expected)
        #expect(context.projectLabel == "project shop")
    }

    @Test func aSocketNeedsNoManifestExceptForUp() throws {
        let socketOnly = try options(["-f", directory + "/missing.yaml", "--socket", "/tmp/x/control.sock"])
        let context = try ProjectContext.resolve(socketOnly, requireManifest: false)
        #expect(context.manifest == nil)
        #expect(context.paths.socket == "/tmp/x/control.sock")
        #expect(context.projectLabel == "the project")
        #expect(throws: CLIFailure.self) { try ProjectContext.resolve(socketOnly, requireManifest: true) }
    }

    @Test func anInvalidManifestListsEveryDiagnostic() throws {
        let yaml = "services:\n  web:\n    replicas: many\n  db:\n    command: x\n    colour: red\n"
        let file = try write("berth.yaml", yaml)
        let options = try options(["--file", file])
        do {
            _ = try ProjectContext.resolve(options, requireManifest: true)
            Issue.record("the manifest is invalid")
        } catch {
            #expect(error.exitCode == .failure)
            #expect(error.message.hasPrefix("\(file): invalid manifest ("))
            #expect(error.details.count >= 2)
            #expect(error.details.allSatisfy { $0.hasPrefix("\(file):") }, "\(error.details)")
        }
    }

    @Test func aMissingManifestIsAFailureNamingIt() {
        do {
            _ = try ProjectContext.loadManifest(directory + "/none.yaml", environment: [:])
            Issue.record("there is no manifest")
        } catch {
            #expect(error.exitCode == .failure)
            #expect(error.details.contains { $0.contains("none.yaml") }, "\(error.details)")
        }
    }
}
