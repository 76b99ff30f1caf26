import Foundation
import Testing

/// Shell completion as a user gets it: the generated bash script, sourced in a real bash, completes the service
/// names of the manifest (`-f FILE`, else `berth.yaml` here) after `berth restart`.
extension IntegrationTests {
    @Test("completion: bash completes service names from the manifest")
    func bashCompletesServiceNames() async throws {
        try await withProject("complete") { project in
            try project.writeManifest(
                services: """
                      web:
                        command: sleep 1000
                      worker:
                        command: sleep 1000
                      db:
                        command: sleep 1000
                    """)
            let script = try await project.berth(["--generate-completion-script", "bash"])
            #expect(script.exitCode == 0)
            try project.write(script.stdout, to: project.root + "/berth.bash")
            let berthDirectory = (try Binaries.berth as NSString).deletingLastPathComponent
            // In the project's directory (berth.yaml here), and from elsewhere with -f after the command.
            for (directory, line) in [
                (project.root, "berth restart w"), ("/", "berth restart -f \(project.manifestPath) w"),
            ] {
                let bash = """
                    PATH=\(berthDirectory):$PATH
                    source \(project.root)/berth.bash
                    cd \(directory)
                    COMP_LINE='\(line)'; COMP_POINT=${#COMP_LINE}
                    read -r -a COMP_WORDS <<< "$COMP_LINE"; COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
                    _berth; printf '%s\\n' "${COMPREPLY[@]}"
                    """
                let result = await (try project.start("/bin/bash", ["-c", bash])).wait(timeout: .seconds(20))
                #expect(result.exitCode == 0, "\(result)")
                let words = result.stdout.split(separator: "\n").map(String.init).sorted()
                #expect(words == ["web", "worker"], "\(line): \(result)")
            }
        }
    }
}
