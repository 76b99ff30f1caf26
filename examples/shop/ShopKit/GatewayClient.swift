import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP client for calls between services, which go through the gateway (`BERTH_GATEWAY_URL`).
///
/// AsyncHTTPClient with one pool per process: connections to the gateway are kept alive and reused (the gateway
/// balances each request, not each connection), so a call costs no TCP handshake; a deadline covers the whole
/// exchange.
public struct GatewayClient: Sendable {
    public var host: String
    public var port: Int
    /// Deadline of one request: connect, send, and the whole response.
    public var timeout: Duration

    /// The process's pool: up to 64 kept-alive connections to the gateway, idle ones closed after 60 s.
    static let pool = HTTPClient(
        eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
        configuration: HTTPClient.Configuration(
            timeout: .init(connect: .seconds(2)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64),
            decompression: .disabled
        )
    )

    public init(host: String, port: Int, timeout: Duration = .seconds(3)) {
        self.host = host
        self.port = port
        self.timeout = timeout
    }

    /// Parses `http://HOST:PORT` or `http://HOST` (port 80, as `berth export kubernetes` writes it), an optional
    /// trailing `/`; nil for anything else.
    public init?(url: String, timeout: Duration = .seconds(3)) {
        guard url.hasPrefix("http://") else { return nil }
        var rest = url.dropFirst("http://".count)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/") else { return nil }
        guard let colon = rest.lastIndex(of: ":") else {
            self.init(host: String(rest), port: 80, timeout: timeout)
            return
        }
        guard let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port), colon != rest.startIndex
        else { return nil }
        self.init(host: String(rest[..<colon]), port: port, timeout: timeout)
    }

    /// Sends a request with an optional JSON body; any status is a reply, only transport problems throw.
    public func send(
        _ method: HTTPMethod, _ path: String, json body: (some Encodable & Sendable)? = Optional<String>.none,
        headers: [(String, String)] = []
    ) async throws(GatewayClientError) -> GatewayReply {
        var request = HTTPClientRequest(url: "http://\(host):\(port)\(path)")
        request.method = method
        do {
            if let body {
                let bytes = try JSONEncoder().encode(body)
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: bytes))
            }
        } catch {
            throw .encoding("\(error)")
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let deadline = NIODeadline.now() + TimeAmount.nanoseconds(
            timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        do {
            let response = try await Self.pool.execute(request, deadline: deadline)
            let collected = try await response.body.collect(upTo: 4 << 20)
            return GatewayReply(status: Int(response.status.code), body: Data(collected.readableBytesView))
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw .timedOut(timeout)
        } catch {
            throw .transport("\(error)")
        }
    }
}

/// A response to a `GatewayClient` request.
public struct GatewayReply: Sendable {
    public var status: Int
    public var body: Data

    public init(status: Int, body: Data) {
        self.status = status
        self.body = body
    }

    public var isSuccess: Bool { (200..<300).contains(status) }

    public func decode<T: Decodable>(_ type: T.Type) throws(GatewayClientError) -> T {
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch {
            throw .badReply(status, String(decoding: body.prefix(200), as: UTF8.self))
        }
    }

    /// The `error.code` of a JSON error body, if there is one.
    public var errorCode: String? {
        struct Envelope: Decodable {
            struct Inner: Decodable { var code: String }
            var error: Inner
        }
        return (try? JSONDecoder().decode(Envelope.self, from: body))?.error.code
    }
}

/// Why a `GatewayClient` request got no response.
public enum GatewayClientError: Error, CustomStringConvertible {
    case encoding(String)
    case transport(String)
    case timedOut(Duration)
    case badReply(Int, String)

    public var description: String {
        switch self {
        case .encoding(let text): "cannot encode the request: \(text)"
        case .transport(let text): "transport error: \(text)"
        case .timedOut(let limit): "no response within \(limit)"
        case .badReply(let status, let body): "unexpected reply \(status): \(body)"
        }
    }
}
