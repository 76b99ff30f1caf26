/// The life of one client connection's current exchange, as a value: reading the head → waiting for a replica →
/// connecting → sending → streaming the response → next request, tunnel, lingering close or closed; with an
/// explicit outcome for every try and the one rule of which outcome counts against a replica.
///
/// Pure (no NIO): the client connection's handler feeds it events with the current instant and runs the actions it
/// returns, in order; it never decides anything itself. A try is accounted for exactly once, by `.endTry`, so that
/// the balancer's in-flight counts (which drains wait on) and passive health cannot drift.
public struct ExchangeMachine: Sendable {
    /// What the machine needs of a routed request, taken by the shell from its head and its route.
    public struct Request: Sendable, Equatable {
        /// GET, HEAD, PUT, DELETE, OPTIONS, TRACE: sending it twice does no harm.
        public var idempotent: Bool
        public var hasBody: Bool
        /// The client keeps its connection open after this exchange.
        public var keepAlive: Bool
        /// Tries in all: 1 + the route's `retries`.
        public var maxAttempts: Int
        /// Per try, from the request head sent to the response head received (504 after it, no replay).
        public var timeout: Duration
        /// The route's `deadline` for the whole exchange; nil for none.
        public var deadline: Duration?

        public init(
            idempotent: Bool, hasBody: Bool, keepAlive: Bool = true, maxAttempts: Int = 3,
            timeout: Duration = .seconds(60), deadline: Duration? = nil
        ) {
            self.idempotent = idempotent
            self.hasBody = hasBody
            self.keepAlive = keepAlive
            self.maxAttempts = maxAttempts
            self.timeout = timeout
            self.deadline = deadline
        }
    }

    /// The exchange in progress: its request, its tries so far, and what reached either side.
    public struct Exchange: Sendable, Equatable {
        public var request: Request
        /// Stored as moments (see `Moment`: an `Instant` would make the machine's state resilient).
        var started: Moment
        public var startedAt: ContinuousClock.Instant { started.instant }
        public var attempts = 0
        /// Replicas that failed a try, with the generation tried (a replica restarted since may be tried again).
        public var tried: [Int: Int] = [:]
        /// The replica of the last try (kept for the access log after the try ended).
        public var lastReplica: UpstreamBalancer.Replica?
        /// The current try sent the request head: a retry is then safe only for idempotent requests without body.
        public var sentAnything = false
        /// The current try's connection came from the idle pool (a keep-alive connection the replica may have closed
        /// meanwhile, without its fault: see `upstreamClosed`).
        public var reusedConnection = false
        /// The exchange already tried again on a new connection after a reused one failed (once per exchange).
        public var reconnected = false
        /// Some response byte (even a 100 Continue) reached the client: no retry, no error response any more.
        public var wroteToClient = false
        /// The request body was forwarded whole (or there is none).
        public var requestDone: Bool
        /// The response is close-delimited: its end is the replica's close.
        public var closeDelimited = false
        /// The connection ends after this exchange's response.
        public var closeAfterResponse = false
        public var status = 0
        var tryUntil: Moment?
        var totalUntil: Moment?
        public var tryDeadline: ContinuousClock.Instant? { tryUntil?.instant }
        public var totalDeadline: ContinuousClock.Instant? { totalUntil?.instant }

        func logged(_ status: Int) -> Action { .log(status: status, attempts: attempts, replica: lastReplica) }
    }

    /// Where the connection is. The exchange of `waiting` to `streaming` is `exchange`, beside the state rather
    /// than in its cases: a multi-payload enum cannot be switched on without copying its payload, and each copy of
    /// an exchange retained what it holds (~7 copies per request).
    public enum State: Sendable, Equatable {
        /// Between exchanges: a request head is awaited (the shell's header and idle timers apply).
        case idle
        /// For a ready replica: the shell asked the pool (`.acquire`), the request may be queued.
        case waiting
        case connecting(UpstreamBalancer.Replica)
        /// The request head went to the replica; no response head yet (the request body may still flow).
        case sending(UpstreamBalancer.Replica)
        /// The response head went to the client; the body streams (the request body may still flow).
        case streaming(UpstreamBalancer.Replica)
        /// After 101 Switching Protocols: a plain byte tunnel until either side closes.
        case tunnel
        /// The last response is written: the sending side closes, reads are discarded (lingering close).
        case closing
        case closed
    }

    /// How one try ended, and so what comes next.
    public enum TryOutcome: Sendable, Equatable {
        case succeeded
        /// Nothing was sent to the replica: another replica is always safe.
        case retryableBeforeSend
        /// The request was sent but may be sent again (idempotent, without body) to another replica.
        case replayable
        /// No other try: the client gets the gateway's error, or its connection is cut.
        case failed
    }

    /// Why the gateway answers a request itself; the shell puts it in words.
    public enum Failure: Sendable, Equatable {
        /// Refused before a replica was involved (no route, a body announced too large...).
        case refused(status: Int, message: String)
        case noReadyReplica
        case queueTimedOut
        case everyReplicaFailed
        case connectFailed(UpstreamBalancer.Replica)
        case closedBeforeAnswering(UpstreamBalancer.Replica)
        case badResponse(UpstreamBalancer.Replica, why: String)
        case timedOut(UpstreamBalancer.Replica)
        case deadlinePassed
        case bodyTooLarge(limit: Int)
        case invalidBody(why: String)

        public var status: Int {
            switch self {
            case .refused(let status, _): status
            case .noReadyReplica, .queueTimedOut: 503
            case .everyReplicaFailed, .connectFailed, .closedBeforeAnswering, .badResponse: 502
            case .timedOut, .deadlinePassed: 504
            case .bodyTooLarge: 413
            case .invalidBody: 400
            }
        }
    }

    /// A side effect for the shell, run in the order given.
    public enum Action: Sendable, Equatable {
        /// Ask the pool for a replica not in `tried`; answer with `leased`, or `unavailable`, or wait (queued).
        case acquire(tried: [Int: Int])
        /// The queued request no longer waits.
        case cancelWait
        case connect(UpstreamBalancer.Replica)
        /// Write the request head, and the body bytes buffered so far, to the try's connection.
        case send
        /// The one place a try is accounted for: `outcome` goes to the pool (balancer, passive health, drains).
        case endTry(UpstreamBalancer.Replica, UpstreamBalancer.Outcome, TryOutcome)
        case closeUpstream
        /// Give the connection back to the pool (kept idle only when `reusable`).
        case releaseUpstream(UpstreamBalancer.Replica, reusable: Bool)
        /// Write the gateway's own error response; `close` says `Connection: close`.
        case respond(Failure, close: Bool)
        /// Count the exchange in the metrics and the access log (`replica`: of its last try).
        case log(status: Int, attempts: Int, replica: UpstreamBalancer.Replica?)
        /// Bytes both ways from now on; the upstream connection belongs to the tunnel.
        case startTunnel
        /// Close the client connection at once (a response cut in its middle).
        case closeClient
        /// Close the client connection once what is written has gone (lingering close).
        case closeAfterResponse
        /// Ready for the next request: arm the idle timer, parse pipelined bytes, read again.
        case next
    }

    public internal(set) var state: State = .idle {
        didSet {
            // Only the four states of an exchange keep one (and with it its `tried` table).
            switch state {
            case .waiting, .connecting, .sending, .streaming: break
            case .idle, .tunnel, .closing, .closed: exchange = nil
            }
        }
    }

    /// The exchange in progress: set in `waiting`, `connecting`, `sending` and `streaming`, nil in the others.
    public internal(set) var exchange: Exchange?

    /// The client shut its sending side (`clientInputClosed`): no request comes after those already buffered.
    public internal(set) var inputClosed = false

    public init() {}

    /// The replica of the current try, if one is under way.
    public var replica: UpstreamBalancer.Replica? {
        switch state {
        case .connecting(let replica), .sending(let replica), .streaming(let replica): replica
        case .idle, .waiting, .tunnel, .closing, .closed: nil
        }
    }
}
