import BerthControlProtocol

/// Formats streamed log entries as `service.N | line`, labels padded to one width, one colour per replica on a TTY,
/// control characters of the line made visible (`TerminalText`) when `escape` is set (on a TTY).
///
/// The width starts from the replicas known up front (so the first lines already align) and grows when a longer
/// label shows up.
struct LogLineFormatter {
    static let palette = ["36", "33", "32", "35", "34", "31", "96", "93", "92", "95", "94", "91"]
    static let reset = "\u{1B}[0m"

    var colour: Bool
    var escape: Bool
    private(set) var width: Int
    private var colours: [String: String] = [:]

    /// `labels` are the `service.N` labels expected, e.g. from the status before following; each gets its colour in
    /// label order. (`services` is accepted for callers that know no labels yet.)
    init(colour: Bool, escape: Bool = false, services: [String] = [], labels: [String] = []) {
        self.colour = colour
        self.escape = escape
        self.width = labels.map(\.count).max() ?? 0
        for label in labels.sorted() {
            assignColour(label)
        }
    }

    static func label(_ entry: LogEntry) -> String {
        switch entry.stream {
        case .daemon where entry.service.isEmpty: "berthd"
        case .daemon, .stdout, .stderr: "\(entry.service).\(entry.replica)"
        }
    }

    /// The expected labels of every replica in a status, to size the column before the first line arrives.
    static func labels(_ status: StatusResponse) -> [String] {
        status.services.flatMap { service in service.replicas.map { "\(service.name).\($0.index)" } }
    }

    mutating func format(_ entry: LogEntry) -> String {
        let label = Self.label(entry)
        width = max(width, label.count)
        let padded = label + String(repeating: " ", count: width - label.count)
        // Berth's own lifecycle lines about a replica are marked so they are not mistaken for its output.
        let text = escape ? TerminalText.visible(entry.line) : entry.line
        let line = entry.stream == .daemon && !entry.service.isEmpty ? "[berth] \(text)" : text
        guard colour else { return "\(padded) | \(line)" }
        let code = assignColour(label)
        return "\u{1B}[\(code)m\(padded) |\(Self.reset) \(line)"
    }

    @discardableResult
    private mutating func assignColour(_ label: String) -> String {
        if let code = colours[label] { return code }
        let code = Self.palette[colours.count % Self.palette.count]
        colours[label] = code
        return code
    }
}
