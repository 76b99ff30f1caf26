import ArgumentParser
import BerthControlProtocol
import Foundation

extension BerthCommand {
    /// `berth dashboard`: a one-time login link for the admin listener's dashboard, from the control socket (whose
    /// owner is the only one who may ask), so that the browser never needs the admin token.
    struct Dashboard: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a one-time login link for the dashboard (valid for a minute, once).",
            discussion: """
                The link opens a browser session (a cookie) and leaves the address bar at once. Sessions end \
                after 12 hours or when the daemon restarts. Needs 'admin:' in the manifest.
                """
        )

        @OptionGroup var options: GlobalOptions

        @Flag(help: "Also open the link in a browser with xdg-open, when it is installed.")
        var open = false

        func run() throws {
            let context = try ProjectContext.resolve(options, requireManifest: false)
            let login: DashboardLoginResponse
            do {
                login = try context.client().dashboardLogin()
            } catch {
                throw CLIFailure(error, project: context.projectLabel)
            }
            Terminal.line(login.url)
            Terminal.error(
                "one-time login for \(login.dashboard), valid \(login.expiresInSeconds)s; the session lasts "
                    + "\(login.sessionSeconds / 3600)h")
            if open { Self.openInBrowser(login.url) }
        }

        /// Starts `xdg-open URL` and does not wait for it; says so when there is none (the link is printed anyway).
        static func openInBrowser(_ url: String) {
            let search = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            let candidates = search.map { "\($0)/xdg-open" }
            guard let opener = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                Terminal.error("xdg-open is not installed; open the link above in a browser")
                return
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: opener)
            process.arguments = [url]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                Terminal.error("cannot run \(opener): \(error); open the link above in a browser")
            }
        }
    }
}
