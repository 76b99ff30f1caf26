/// The dashboard's stylesheet and script, embedded in the binary as string literals (no resources to find at run
/// time, no frontend toolchain). The text lives in `DashboardAssets+Style.swift` and `DashboardAssets+Script.swift`.
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

        var text: String {
            switch self {
            case .script: DashboardAssets.script
            case .style: DashboardAssets.style
            }
        }
    }
}
