import BerthGatewayCore
import NIOCore

/// One request/response exchange of a client connection, from its parsed head to the end of its response.
final class Exchange {
    enum Body {
        case none
        case length(remaining: Int)
        case chunked(ChunkedBodyScanner)
        case untilClose
    }

    let head: RequestHead
    let route: RouteTable.Route
    let requestID: String
    /// The rewritten head for the upstream, kept to send it again when retrying on another replica.
    let upstreamHead: ByteBuffer
    let startedAt: NIODeadline
    var requestBody: Body
    var requestDone: Bool
    /// Largest body this route accepts; chunked bodies are counted as they pass.
    var bodyLimit: Int?
    var bodyBytes = 0
    /// The head (and maybe body bytes) went to an upstream: a retry is safe only for idempotent requests then.
    var sentAnything = false
    var attempts = 0
    /// Replicas tried so far, with the generation tried: a replica restarted since (same index, new generation)
    /// may be tried again.
    var tried: [Int: Int] = [:]
    var replica: UpstreamBalancer.Replica?
    /// The replica of the last try, kept for the access log after the try was accounted for.
    var lastReplica: UpstreamBalancer.Replica?
    var upstream: UpstreamHandler?
    var waiter: GatewayLoop.Waiter?
    /// The replica must have answered with a response head by then (per try).
    var deadline: NIODeadline?
    /// The route's `deadline` for the whole exchange.
    var totalDeadline: NIODeadline?
    var upstreamStartedAt: NIODeadline?

    // Response side.
    var responseBuffer: ByteBuffer?
    var responseProgress = HeadScanProgress()
    var responseHeadDone = false
    var responseBody: Body = .none
    var responseDone = false
    var responseStatus = 0
    var responseKeepAlive = true
    var wroteToClient = false

    init(
        head: RequestHead, route: RouteTable.Route, requestID: String, upstreamHead: ByteBuffer, limits: HTTPLimits
    ) {
        self.head = head
        self.route = route
        self.requestID = requestID
        self.upstreamHead = upstreamHead
        let startedAt = NIODeadline.now()
        self.startedAt = startedAt
        self.totalDeadline = route.deadline.map { startedAt + TimeAmount($0) }
        switch head.framing {
        case .none, .untilClose:
            requestBody = .none
            requestDone = true
        case .contentLength(let length):
            requestBody = .length(remaining: length)
            requestDone = length == 0
        case .chunked:
            requestBody = .chunked(ChunkedBodyScanner(limits: limits))
            requestDone = false
        }
    }

    var hasBody: Bool {
        switch head.framing {
        case .none, .untilClose: false
        case .contentLength(let length): length > 0
        case .chunked: true
        }
    }

    /// Whether another replica may be tried after this try failed before any response byte.
    func mayRetry(maxAttempts: Int) -> Bool {
        guard attempts < maxAttempts, !wroteToClient else { return false }
        if !sentAnything { return true }
        return head.isIdempotent && !hasBody
    }
}
