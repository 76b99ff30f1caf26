import BerthGatewayCore
import NIOCore

/// The I/O side of a client connection's current exchange: the parsed head, the rewritten head for the replica,
/// the bodies' framing scanners and the upstream connection. Every decision about the exchange (tries, outcomes,
/// what to answer, when to close) is `ExchangeMachine`'s; this only holds the bytes and handles it acts on.
final class Exchange {
    enum Body {
        case none
        case length(remaining: Int)
        case chunked(ChunkedBodyScanner)
        case untilClose
    }

    let head: RequestHead
    /// The route's service by name (for the access log and messages); not the whole route, whose copy retained
    /// and released its strings per request.
    let service: String
    /// The route's position in the route table: per-route settings and metrics are indexed by it.
    let routeIndex: Int
    /// The route's service as the pool knows it (see `GatewayLoop.routeServices`).
    let serviceID: ServiceID
    let requestID: RequestID
    /// The rewritten head for the upstream, kept to send it again when retrying on another replica.
    let upstreamHead: ByteBuffer
    let startedAt: NIODeadline
    var requestBody: Body
    /// Largest body this route accepts; chunked bodies are counted as they pass.
    var bodyLimit: Int?
    var bodyBytes = 0
    /// The connection of the current try (nil while waiting or connecting).
    var upstream: UpstreamHandler?
    var upstreamStartedAt: NIODeadline?

    // Response side (per try).
    var responseBuffer: ByteBuffer?
    var responseProgress = HeadScanProgress()
    var responseBody: Body = .none
    /// The replica's connection can carry another request after this response.
    var responseKeepAlive = true

    init(
        head: RequestHead, service: String, routeIndex: Int, serviceID: ServiceID, requestID: RequestID,
        upstreamHead: ByteBuffer, limits: HTTPLimits
    ) {
        // The framing read before the head is stored: storing it is then its last use, a move (a use after the
        // store made it a copy and a destroy of the head, ~600 instructions per request).
        let framing = head.framing
        self.head = head
        self.service = service
        self.routeIndex = routeIndex
        self.serviceID = serviceID
        self.requestID = requestID
        self.upstreamHead = upstreamHead
        self.startedAt = NIODeadline.now()
        switch framing {
        case .none, .untilClose:
            requestBody = .none
        case .contentLength(let length):
            requestBody = length == 0 ? .none : .length(remaining: length)
        case .chunked:
            requestBody = .chunked(ChunkedBodyScanner(limits: limits))
        }
    }

    var hasBody: Bool {
        switch head.framing {
        case .none, .untilClose: false
        case .contentLength(let length): length > 0
        case .chunked: true
        }
    }
}
