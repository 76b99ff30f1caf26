import BerthExport
import BerthManifest
import Foundation
import Testing

/// The exports of the example manifests, compared file by file with `Golden/CASE/KIND/`. Run with
/// `BERTH_UPDATE_GOLDEN=1` to rewrite the golden files after an intended change, then review the diff.
@Suite struct GoldenTests {
    static let updating = ProcessInfo.processInfo.environment["BERTH_UPDATE_GOLDEN"] == "1"

    @Test(arguments: ExportFixtures.manifests.map(\.name))
    func exportsMatchGoldenFiles(caseName: String) throws {
        let path = try #require(ExportFixtures.manifests.first { $0.name == caseName }?.path)
        let manifest = try ExportFixtures.load(path)
        for (kind, result) in ExportFixtures.exports(of: manifest) {
            let directory = "\(ExportFixtures.goldenDirectory)/\(caseName)/\(kind)"
            let files = ExportFixtures.goldenFiles(result)
            if Self.updating {
                try write(files, to: directory)
                continue
            }
            let expected = try read(directory)
            #expect(files.keys.sorted() == expected.keys.sorted(), "\(caseName)/\(kind): file names")
            for name in files.keys.sorted() {
                #expect(files[name] == expected[name], "\(caseName)/\(kind)/\(name) differs from the golden file")
            }
        }
    }

    private func write(_ files: [String: String], to directory: String) throws {
        try? FileManager.default.removeItem(atPath: directory)
        for (name, contents) in files {
            let path = directory + "/" + name
            let folder = (path as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try contents.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    private func read(_ directory: String) throws -> [String: String] {
        let names = try #require(FileManager.default.subpaths(atPath: directory), "missing \(directory)")
        var files: [String: String] = [:]
        for name in names {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory)
            if isDirectory.boolValue { continue }
            files[name] = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        }
        return files
    }
}
