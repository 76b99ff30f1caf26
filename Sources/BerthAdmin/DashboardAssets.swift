/// The dashboard's stylesheet and script. They are real files, `Assets/dashboard.js` and `Assets/dashboard.css`, so
/// that they can be read, diffed and linted as what they are (scripts/lint-assets.sh runs `node --check`); SwiftPM
/// embeds them in the binary at build time (`.embedInCode`), so there is still no resource to find at run time and
/// no frontend toolchain in the build.
public enum DashboardAssets {
    public enum Name: String, Sendable, Equatable {
        case script = "dashboard.js"
        case style = "dashboard.css"

        var contentType: String {
            switch self {
            case .script: "text/javascript; charset=utf-8"
            case .style: "text/css; charset=utf-8"
            }
        }

        /// The file's bytes, as embedded at build time.
        var bytes: [UInt8] {
            switch self {
            case .script: PackageResources.dashboard_js
            case .style: PackageResources.dashboard_css
            }
        }
    }
}
