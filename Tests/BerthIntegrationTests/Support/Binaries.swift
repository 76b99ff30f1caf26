import Foundation

/// Where the three executables under test live: next to the test runner (`swift build --build-tests` puts them in
/// the same build directory), or in `$BERTH_BIN_DIR`.
enum Binaries {
    static var berth: String { get throws { try path("berth") } }
    static var berthd: String { get throws { try path("berthd") } }
    static var fixture: String { get throws { try path("berth-fixture") } }

    private static func path(_ name: String) throws -> String {
        var candidates: [String] = []
        if let runner = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append((runner as NSString).deletingLastPathComponent)
        }
        if let directory = ProcessInfo.processInfo.environment["BERTH_BIN_DIR"], !directory.isEmpty {
            candidates.append(directory)
        }
        for directory in candidates where access("\(directory)/\(name)", X_OK) == 0 {
            return "\(directory)/\(name)"
        }
        throw IntegrationFailure(
            "cannot find \(name) in \(candidates); build with `swift build --build-tests` or set BERTH_BIN_DIR"
        )
    }
}

/// A failed precondition or a bounded wait that ran out, with what was seen last.
struct IntegrationFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
