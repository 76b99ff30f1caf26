/// A host and port the gateway binds to; IPv6 hosts are kept without brackets.
public struct ListenAddress: Sendable, Codable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, or `[v6]:port` when the host contains a colon.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Whether binding both would clash: the same port on the same host, or on a wildcard host.
    public func overlaps(_ other: ListenAddress) -> Bool {
        let wildcards: Set<String> = ["0.0.0.0", "::"]
        return port == other.port && (host == other.host || wildcards.contains(host) || wildcards.contains(other.host))
    }

    /// Parses `host:port`, `:port` (meaning `0.0.0.0`) and `[v6]:port`; nil when malformed or the port is out of range.
    public static func parse(_ text: String) -> ListenAddress? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), !host.isEmpty, host.contains(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else { return nil }
        }
        guard portText.allSatisfy(\.isASCII), let port = Int(portText), (1...65535).contains(port) else { return nil }
        let validHost = host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._:%".contains($0)) }
        guard validHost else { return nil }
        return ListenAddress(host: host.isEmpty ? "0.0.0.0" : String(host), port: port)
    }
}
