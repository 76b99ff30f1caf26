import BerthGatewayCore

/// One client connection in memory: an exchange machine whose actions run against a real `UpstreamPool`, with a
/// manual clock. Connections are numbered; what the shell would do on the wire is recorded in `wire`.
struct ExchangeScript {
    typealias Pool = UpstreamPool<Int, Int>
    let t0 = ContinuousClock.now
    var now: ContinuousClock.Instant
    var machine = ExchangeMachine()
    var pool: Pool
    /// The upstream connection of the current try, if one is open.
    var connection: Int?
    var nextConnection = 1
    var wire: [String] = []
    var outcomes: [(replica: Int, outcome: UpstreamBalancer.Outcome, next: ExchangeMachine.TryOutcome)] = []
    var poolActions: [Pool.Action] = []
    var closedConnections: [Int] = []
    var logged: [(status: Int, attempts: Int)] = []
    /// A pending `connect` the test decides (`connected()`/`connectFailed()`).
    var connecting: UpstreamBalancer.Replica?

    init(replicas: Int = 2, settings: Pool.Settings = .init(queueTimeout: .seconds(5), maxIdlePerReplica: 4)) {
        now = t0
        pool = Pool(policy: .roundRobin, settings: settings)
        pool.declare(service: "web")
        for id in 0..<replicas {
            poolActions += pool.replicaReady(service: "web", .init(id: id, port: 9000 + id, generation: 1), now: now)
        }
    }

    mutating func advance(_ duration: Duration) {
        now += duration
        run(machine.tick(now: now))
        poolActions += pool.expireWaiters(now: now).map { action in
            if case .timedOut = action { run(machine.queueTimedOut()) }
            return action
        }
    }

    mutating func request(
        idempotent: Bool = true, hasBody: Bool = false, keepAlive: Bool = true, retries: Int = 2,
        timeout: Duration = .seconds(3), deadline: Duration? = nil
    ) {
        run(
            machine.requestHead(
                .init(
                    idempotent: idempotent, hasBody: hasBody, keepAlive: keepAlive, maxAttempts: 1 + retries,
                    timeout: timeout, deadline: deadline),
                now: now))
    }

    mutating func run(_ actions: [ExchangeMachine.Action]) {
        for action in actions { run(action) }
    }

    mutating func run(_ action: ExchangeMachine.Action) {
        switch action {
        case .acquire(let tried):
            switch pool.acquire(service: "web", tried: tried, waiter: 1, now: now) {
            case .leased(let lease):
                connection = lease.connection
                run(machine.leased(lease.replica, connected: lease.connection != nil, now: now))
            case .queued:
                wire.append("queued")
            case .unavailable(let triedAny):
                run(machine.unavailable(triedAny: triedAny))
            }
        case .cancelWait:
            pool.cancel(1, service: "web")
            wire.append("cancelWait")
        case .connect(let replica):
            connecting = replica
        case .send:
            wire.append("send to \(machine.replica!.id)")
        case .endTry(let replica, let outcome, let next):
            outcomes.append((replica.id, outcome, next))
            poolActions += pool.finished(service: "web", replica, outcome: outcome, now: now)
        case .closeUpstream:
            if let connection { closedConnections.append(connection) }
            connection = nil
        case .releaseUpstream(let replica, let reusable):
            if let connection {
                poolActions += pool.release(connection, service: "web", replica: replica, reusable: reusable)
            }
            connection = nil
        case .respond(let failure, let close):
            wire.append("respond \(failure.status)\(close ? " close" : "")")
        case .log(let status, let attempts, _):
            wire.append("log \(status)")
            logged.append((status, attempts))
        case .startTunnel:
            wire.append("tunnel")
        case .closeClient:
            wire.append("cut")
        case .closeAfterResponse:
            wire.append("linger")
        case .next:
            wire.append("next")
        }
    }

    mutating func connected() {
        connection = nextConnection
        nextConnection += 1
        connecting = nil
        run(machine.connected(now: now))
    }

    mutating func connectFailed() {
        connecting = nil
        run(machine.connectFailed())
    }

    mutating func respond(status: Int = 200, keepAlive: Bool = true, closeDelimited: Bool = false) {
        run(
            machine.responseHead(
                status: status, clientKeepAlive: keepAlive, closeDelimited: closeDelimited, upgrade: false))
    }

    mutating func endResponse(reusable: Bool = true) {
        run(machine.responseEnded(reusable: reusable))
    }

    var inFlight: Int {
        let balancer = pool.balancer("web")!
        return balancer.readyReplicas.map { balancer.inFlight(id: $0.id) }.reduce(0, +)
    }

    /// The judged outcomes so far (what passive health saw).
    var judged: [UpstreamBalancer.Outcome] { outcomes.map(\.outcome) }
}

extension ExchangeScript {
    /// The supervisor says a replica is ready: the pool may resume the waiting request with it.
    mutating func replicaReady(id: Int, generation: Int = 1) {
        let replica = UpstreamBalancer.Replica(id: id, port: 9000 + id, generation: generation)
        runPool(pool.replicaReady(service: "web", replica, now: now))
    }

    mutating func setStarting(_ starting: Bool) {
        runPool(pool.setStarting(service: "web", starting))
    }

    mutating func runPool(_ actions: [Pool.Action]) {
        for action in actions {
            poolActions.append(action)
            switch action {
            case .resume(_, let lease):
                connection = lease.connection
                run(machine.leased(lease.replica, connected: lease.connection != nil, now: now))
            case .timedOut, .giveUp:
                run(machine.queueTimedOut())
            case .close(let connection):
                closedConnections.append(connection)
            case .drained, .failed, .ejected:
                break
            }
        }
    }
}
