public import BerthControlProtocol

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The CLI's side of the control API: one blocking HTTP/1.1 request per call over the daemon's Unix socket.
///
/// Blocking and NIO-free on purpose: the CLI is a short-lived process that makes one or two calls.
public struct ControlClient: Sendable {
    public var socketPath: String
    /// The default time a call may take; operations that wait pass their own (their `timeout_ms` plus a margin).
    public var timeout: Duration

    public init(socketPath: String, timeout: Duration = .seconds(30)) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    /// `GET /v1/status`.
    public func status() throws(ControlClientError) -> StatusResponse {
        let (status, body) = try send(method: "GET", path: "/v1/status", body: nil)
        return try decodeSuccess(StatusResponse.self, status: status, body: body)
    }

    /// `POST /v1/dashboard/login`: a one-time login link for the dashboard.
    public func dashboardLogin() throws(ControlClientError) -> DashboardLoginResponse {
        let (status, body) = try send(method: "POST", path: "/v1/dashboard/login", body: nil)
        return try decodeSuccess(DashboardLoginResponse.self, status: status, body: body)
    }

    /// An operation (`POST /v1/scale`, `/v1/services/NAME/start`, `/v1/wait`, ...) with a JSON body.
    public func perform(
        _ method: String,
        _ path: String,
        body: (some Encodable & Sendable)?,
        timeout: Duration? = nil
    ) throws(ControlClientError) -> OperationResponse {
        var bytes: [UInt8]?
        if let body {
            do {
                bytes = Array(try JSONEncoder().encode(body))
            } catch {
                throw .protocolError("cannot encode the request: \(error)")
            }
        }
        let (status, answer) = try send(method: method, path: path, body: bytes, timeout: timeout)
        return try decodeSuccess(OperationResponse.self, status: status, body: answer)
    }

    /// An operation without a body.
    public func perform(
        _ method: String,
        _ path: String,
        timeout: Duration? = nil
    ) throws(ControlClientError) -> OperationResponse {
        let (status, answer) = try send(method: method, path: path, body: nil, timeout: timeout)
        return try decodeSuccess(OperationResponse.self, status: status, body: answer)
    }

    /// One raw request: the status code and body of the answer, whatever the status.
    public func send(
        method: String,
        path: String,
        body: [UInt8]?,
        timeout: Duration? = nil
    ) throws(ControlClientError) -> (status: Int, body: [UInt8]) {
        let connection = try UnixConnection(path: socketPath, timeout: timeout ?? self.timeout)
        try sendRequest(connection, method: method, path: path, body: body)
        var reader = HTTPResponseReader(connection: connection)
        let head = try reader.readHead()
        return (head.status, try reader.readBody(head))
    }

    /// `GET /v1/logs`: calls `onEntry` for each line until the stream ends or `onEntry` returns false. When
    /// `query.follow` is set, waits for new lines without a timeout.
    public func streamLogs(_ query: LogQuery, onEntry: (LogEntry) -> Bool) throws(ControlClientError) {
        try streamNDJSON(path: Self.logsPath(query), follow: query.follow, what: "log line", onValue: onEntry)
    }

    /// `GET /v1/events?tail=N`: calls `onEvent` for each event (the recent ones first) until `onEvent` returns
    /// false or the daemon goes away; waits for new events without a timeout.
    public func streamEvents(tail: Int, onEvent: (DaemonEvent) -> Bool) throws(ControlClientError) {
        try streamNDJSON(path: "/v1/events?tail=\(tail)", follow: true, what: "event", onValue: onEvent)
    }

    private func streamNDJSON<Value: Decodable>(
        path: String, follow: Bool, what: String, onValue: (Value) -> Bool
    ) throws(ControlClientError) {
        let connection = try UnixConnection(path: socketPath, timeout: timeout)
        try sendRequest(connection, method: "GET", path: path, body: nil)
        var reader = HTTPResponseReader(connection: connection)
        let head = try reader.readHead()
        guard head.status == 200 else {
            throw apiError(status: head.status, body: try reader.readBody(head))
        }
        if follow { try connection.setReceiveTimeout(nil) }
        var pending: [UInt8] = []
        let decoder = JSONDecoder()
        try reader.readBody(head) { (chunk: [UInt8]) throws(ControlClientError) -> Bool in
            pending += chunk
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[..<newline]
                pending.removeSubrange(...newline)
                if line.isEmpty { continue }
                let value: Value
                do {
                    value = try decoder.decode(Value.self, from: Data(line))
                } catch {
                    throw .protocolError("malformed \(what): \(error)")
                }
                if !onValue(value) { return false }
            }
            guard pending.count <= HTTPResponseReader.maxLineBytes * 64 else {
                throw .protocolError("\(what) too long")
            }
            return true
        }
    }

    static func logsPath(_ query: LogQuery) -> String {
        var parameters: [String] = []
        if let service = query.service { parameters.append("service=\(percentEncode(service))") }
        if let replica = query.replica { parameters.append("replica=\(replica)") }
        if let tail = query.tail { parameters.append("tail=\(tail)") }
        if query.follow { parameters.append("follow=1") }
        return parameters.isEmpty ? "/v1/logs" : "/v1/logs?" + parameters.joined(separator: "&")
    }

    /// Escapes everything but unreserved characters, for path segments and query values.
    public static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out += "%"
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }

    private func sendRequest(
        _ connection: UnixConnection,
        method: String,
        path: String,
        body: [UInt8]?
    ) throws(ControlClientError) {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: berthd\r\nUser-Agent: berth\r\nConnection: close\r\n"
        head += "Accept: application/json\r\n"
        if let body {
            head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        do {
            try connection.writeAll(Array(head.utf8) + (body ?? []))
        } catch .io {
            // The daemon may have answered and closed early (e.g. 413 for a body too large): the answer is what
            // matters, and reading it reports a broken connection if there is none.
            return
        }
    }

    private func decodeSuccess<T: Decodable>(
        _ type: T.Type,
        status: Int,
        body: [UInt8]
    ) throws(ControlClientError) -> T {
        guard (200..<300).contains(status) else { throw apiError(status: status, body: body) }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch {
            throw .protocolError("cannot decode \(T.self): \(error)")
        }
    }

    private func apiError(status: Int, body: [UInt8]) -> ControlClientError {
        guard let response = try? JSONDecoder().decode(ErrorResponse.self, from: Data(body)) else {
            return .protocolError("HTTP \(status) without an error document")
        }
        return .api(ControlAPIError(status: status, code: response.error.code, message: response.error.message))
    }
}
