import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 client for calls between services, which go through the gateway (`BERTH_GATEWAY_URL`).
///
/// One connection per request (`Connection: close`), a deadline on the whole exchange. Cheaper to build than
/// AsyncHTTPClient and enough for JSON calls on loopback.
public struct GatewayClient: Sendable {
    public var host: String
    public var port: Int
    /// Deadline of one request: connect, send, and the whole response.
    public var timeout: Duration

    public init(host: String, port: Int, timeout: Duration = .seconds(3)) {
        self.host = host
        self.port = port
        self.timeout = timeout
    }

    /// Parses `http://HOST:PORT` (an optional trailing `/`); nil for anything else.
    public init?(url: String, timeout: Duration = .seconds(3)) {
        guard url.hasPrefix("http://") else { return nil }
        var rest = url.dropFirst("http://".count)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
            (1...65535).contains(port), colon != rest.startIndex
        else { return nil }
        self.init(host: String(rest[..<colon]), port: port, timeout: timeout)
    }

    /// Sends a request with an optional JSON body; any status is a reply, only transport problems throw.
    public func send(
        _ method: HTTPMethod, _ path: String, json body: (some Encodable & Sendable)? = Optional<String>.none,
        headers: [(String, String)] = []
    ) async throws(GatewayClientError) -> GatewayReply {
        let bytes: [UInt8]
        do {
            bytes = try body.map { Array(try JSONEncoder().encode($0)) } ?? []
        } catch {
            throw .encoding("\(error)")
        }
        let timeout = self.timeout
        do {
            return try await withThrowingTaskGroup(of: GatewayReply?.self) { group in
                group.addTask { try await self.exchange(method, path, bytes, headers) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                let first = try await group.next()!
                group.cancelAll()
                guard let reply = first else { throw GatewayClientError.timedOut(timeout) }
                return reply
            }
        } catch let error as GatewayClientError {
            throw error
        } catch {
            throw .transport("\(error)")
        }
    }

    private func exchange(
        _ method: HTTPMethod, _ path: String, _ body: [UInt8], _ extra: [(String, String)]
    ) async throws -> GatewayReply {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(2))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel
                    )
                }
            }
        let host = self.host
        let port = self.port
        return try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
            head.headers.add(name: "Host", value: "\(host):\(port)")
            head.headers.add(name: "Connection", value: "close")
            head.headers.add(name: "Content-Length", value: "\(body.count)")
            if !body.isEmpty { head.headers.add(name: "Content-Type", value: "application/json") }
            for (name, value) in extra { head.headers.add(name: name, value: value) }
            try await outbound.write(.head(head))
            if !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
            try await outbound.write(.end(nil))
            var status = 0
            var collected = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let response):
                    status = Int(response.status.code)
                case .body(var chunk):
                    collected.writeBuffer(&chunk)
                case .end:
                    return GatewayReply(status: status, body: Data(collected.readableBytesView))
                }
            }
            throw GatewayClientError.transport("the connection closed before the response ended")
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
