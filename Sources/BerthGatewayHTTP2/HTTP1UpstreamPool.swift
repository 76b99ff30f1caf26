import NIOCore
import NIOHTTP1
import NIOPosix

/// Keep-alive HTTP/1.1 connections to replicas of `http1` services, for calls that arrive over HTTP/2 (an h2 client
/// over TLS reaching an ordinary web service). Idle connections are reused, most recent first. Touched only on the
/// gateway's event loop.
final class HTTP1UpstreamPool {
    let eventLoop: any EventLoop
    private var idle: [HTTP2UpstreamPool.Key: [HTTP1UpstreamConnection]] = [:]
    /// Idle connections kept per replica.
    let maxIdle = 32

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func open(
        _ key: HTTP2UpstreamPool.Key, proxy: HTTP2StreamProxy, attempt: Int,
        completion: @escaping (Result<any UpstreamLeg, HTTP2UpstreamPool.OpenError>) -> Void
    ) {
        while let connection = idle[key]?.popLast() {
            if connection.isOpen {
                connection.begin(proxy: proxy, attempt: attempt, reused: true)
                return completion(.success(connection))
            }
        }
        let connection = HTTP1UpstreamConnection(key: key, pool: self)
        let bound = NIOLoopBound(connection, eventLoop: eventLoop)
        ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(bound.value)
                }
            }
            .connect(host: "127.0.0.1", port: key.port)
            .whenComplete { result in
                switch result {
                case .success:
                    bound.value.begin(proxy: proxy, attempt: attempt, reused: false)
                    completion(.success(bound.value))
                case .failure(let error):
                    let detail = "cannot connect to 127.0.0.1:\(key.port): \(ConnectFailure.describe(error))"
                    completion(.failure(.init(detail: detail, neverSent: true)))
                }
            }
    }

    func release(_ connection: HTTP1UpstreamConnection) {
        guard connection.isOpen, (idle[connection.key]?.count ?? 0) < maxIdle else {
            connection.close()
            return
        }
        idle[connection.key, default: []].append(connection)
    }

    func sweep(inRotation: (HTTP2UpstreamPool.Key) -> Bool) {
        for (key, list) in idle where !inRotation(key) {
            idle[key] = nil
            for connection in list { connection.close() }
        }
        for key in idle.keys { idle[key]?.removeAll { !$0.isOpen } }
    }

    func closeAll() {
        for list in idle.values {
            for connection in list { connection.close() }
        }
        idle = [:]
    }
}
