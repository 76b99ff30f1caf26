import Foundation

/// Where the broker is and who we are there, from an `amqp://USER:PASSWORD@HOST:PORT/VHOST` URL.
public struct AMQPConfiguration: Equatable, Sendable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var virtualHost: String
    /// The heartbeat this client asks for, in seconds (the broker's lower non-zero value wins).
    public var heartbeatSeconds: UInt16 = 10
    public var connectTimeoutSeconds: Int64 = 3
    /// How long a batch waits for its confirms before the connection is dropped and the batch retried.
    public var confirmTimeoutSeconds: Int64 = 5

    public init(url: String) throws(AMQPError) {
        guard let schemeEnd = url.range(of: "://"), url[..<schemeEnd.lowerBound] == "amqp" else {
            throw .invalidConfiguration("expected amqp://USER:PASSWORD@HOST:PORT/VHOST, got '\(url)'")
        }
        var rest = Substring(url[schemeEnd.upperBound...])
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[rest.index(after: slash)...])
            rest = rest[..<slash]
        }
        var credentials: Substring = "guest:guest"
        if let at = rest.lastIndex(of: "@") {
            credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }
        let userAndPassword = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        user = Self.decode(String(userAndPassword[0]))
        password = userAndPassword.count > 1 ? Self.decode(String(userAndPassword[1])) : ""
        let hostAndPort = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        host = String(hostAndPort[0])
        guard !host.isEmpty else { throw .invalidConfiguration("no host in '\(url)'") }
        if hostAndPort.count > 1 {
            guard let number = Int(hostAndPort[1]), (1...65535).contains(number) else {
                throw .invalidConfiguration("port must be 1-65535 in '\(url)'")
            }
            port = number
        } else {
            port = 5672
        }
        virtualHost = path.isEmpty ? "/" : Self.decode(path)
    }

    private static func decode(_ text: String) -> String { text.removingPercentEncoding ?? text }
}
