import BerthManifest
import BerthManifestYAML
import Foundation
import Testing

/// Found by the second outside audit (audit2): `berth -f /dev/null check` said "cannot read the manifest", and a
/// manifest from a pipe (`berth -f <(generate) up`) could not be read at all: FileManager reads regular files only.
@Suite struct ManifestReadAuditTests {
    private func message(_ path: String) -> String {
        do {
            _ = try ManifestLoader.load(path: path, environment: [:], accounts: .skip)
            return "loaded"
        } catch {
            return error.diagnostics.map(\.message).joined(separator: "; ")
        }
    }

    @Test func devNullIsAnEmptyManifest() {
        #expect(message("/dev/null") == "the manifest is empty")
    }

    @Test func aManifestFromAPipeIsRead() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let text = "services:\n  web:\n    command: sleep 1000\n"
        _ = text.withCString { write(fds[1], $0, strlen($0)) }
        close(fds[1])
        defer { close(fds[0]) }
        #expect(message("/dev/fd/\(fds[0])") == "loaded")
    }
}
