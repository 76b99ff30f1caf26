/// What a hook receives: JSON on stdin (or as the webhook's body) and the same fields as `BERTH_EVENT_*` variables.
public struct HookEvent: Sendable, Equatable, Codable {
    public var kind: HookEventKind
    public var project: String
    public var service: String
    public var replica: Int?
    /// For people: "failed: gave up after 5 restarts within 1m; last: exited with status 1".
    public var message: String
    /// Seconds since the Unix epoch.
    public var time: Double
    /// `restarted`: the replica's restarts since the daemon started.
    public var restarts: Int?

    public init(
        kind: HookEventKind, project: String, service: String, replica: Int? = nil, message: String, time: Double,
        restarts: Int? = nil
    ) {
        self.kind = kind
        self.project = project
        self.service = service
        self.replica = replica
        self.message = message
        self.time = time
        self.restarts = restarts
    }

    /// `BERTH_EVENT_KIND`, `_PROJECT`, `_SERVICE`, `_REPLICA`, `_MESSAGE`, `_TIME`, `_RESTARTS` (when set).
    public var environment: [String: String] {
        var variables = [
            "BERTH_EVENT_KIND": kind.rawValue, "BERTH_EVENT_PROJECT": project, "BERTH_EVENT_SERVICE": service,
            "BERTH_EVENT_MESSAGE": message, "BERTH_EVENT_TIME": String(time),
        ]
        if let replica { variables["BERTH_EVENT_REPLICA"] = String(replica) }
        if let restarts { variables["BERTH_EVENT_RESTARTS"] = String(restarts) }
        return variables
    }

    /// One line of JSON with sorted keys (stable for scripts and tests).
    public var json: String {
        var fields = [
            "\"kind\":" + Self.quoted(kind.rawValue), "\"message\":" + Self.quoted(message),
            "\"project\":" + Self.quoted(project), "\"service\":" + Self.quoted(service),
            "\"time\":" + String(time),
        ]
        if let replica { fields.append("\"replica\":\(replica)") }
        if let restarts { fields.append("\"restarts\":\(restarts)") }
        return "{" + fields.sorted().joined(separator: ",") + "}"
    }

    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
