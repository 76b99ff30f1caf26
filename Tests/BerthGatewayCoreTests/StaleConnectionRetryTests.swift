import BerthGatewayCore
import Testing

/// A keep-alive connection from the idle pool that the replica closed as idle while the request was on its way
/// (audit7, issue #14): the same replica again on a new connection, once, not judged.
@Suite("Exchange machine: a stale pooled connection")
struct StaleConnectionRetryTests {
    /// One replica, one exchange done: its connection (1) waits idle in the pool; the next request takes it.
    private func scriptWithAnIdleConnection() -> ExchangeScript {
        var script = ExchangeScript(replicas: 1)
        script.request()
        script.connected()
        script.respond()
        script.endResponse()
        script.wire = []
        script.request()
        #expect(script.connection == 1)
        #expect(script.connecting == nil)
        return script
    }

    @Test func aGetOnAStaleConnectionGoesToTheSameReplicaOnANewOneUnjudged() {
        var script = scriptWithAnIdleConnection()
        script.run(script.machine.upstreamClosed(responseStarted: false))
        #expect(script.connecting?.id == 0)
        #expect(script.closedConnections == [1])
        #expect(script.outcomes.count == 1)  // The first exchange's success only: this try goes on.
        script.connected()
        script.respond()
        script.endResponse()
        #expect(script.wire == ["send to 0", "send to 0", "log 200", "next"])
        #expect(script.judged == [.success, .success])
        #expect(script.logged.last?.attempts == 1)
        #expect(script.inFlight == 0)
        #expect(script.pool.idleCount(.init(service: "web", id: 0)) == 1)
        #expect(!script.poolActions.contains { if case .ejected = $0 { true } else { false } })
    }

    @Test func onlyOncePerExchange() {
        var script = scriptWithAnIdleConnection()
        script.run(script.machine.upstreamClosed(responseStarted: false))
        script.connected()
        // The new connection fails as well: the replica's fault now, and no other replica is left.
        script.run(script.machine.upstreamClosed(responseStarted: false))
        #expect(script.connecting == nil)
        #expect(script.judged == [.success, .resetBeforeResponse])
        #expect(script.wire == ["send to 0", "send to 0", "respond 502", "log 502", "next"])
        #expect(script.inFlight == 0)
    }

    @Test func theNextExchangeMayReconnectAgain() {
        var script = scriptWithAnIdleConnection()
        script.run(script.machine.upstreamClosed(responseStarted: false))
        script.connected()
        script.respond()
        script.endResponse()
        script.request()
        #expect(script.connecting == nil)  // The pooled connection (2) again.
        script.run(script.machine.upstreamClosed(responseStarted: false))
        #expect(script.connecting?.id == 0)
        #expect(script.judged == [.success, .success])
    }

    @Test func aPostOrABodyIsNotSentAgain() {
        for (idempotent, hasBody) in [(false, false), (true, true)] {
            var script = ExchangeScript(replicas: 1)
            script.request()
            script.connected()
            script.respond()
            script.endResponse()
            script.request(idempotent: idempotent, hasBody: hasBody)
            #expect(script.connection == 1)
            if hasBody { script.run(script.machine.requestBodyDone()) }
            script.run(script.machine.upstreamClosed(responseStarted: false))
            #expect(script.connecting == nil)
            #expect(script.judged == [.success, .resetBeforeResponse])
            #expect(script.wire.suffix(3).first == "respond 502")
        }
    }

    @Test func aCloseAfterSomeOfTheResponseIsTheReplicas() {
        var script = scriptWithAnIdleConnection()
        script.run(script.machine.upstreamClosed(responseStarted: true))
        #expect(script.connecting == nil)
        #expect(script.judged == [.success, .resetBeforeResponse])
        #expect(script.wire == ["send to 0", "respond 502", "log 502", "next"])
    }

    @Test func aCloseAfterA1xxReachedTheClientIsNotRetried() {
        var script = scriptWithAnIdleConnection()
        script.run(script.machine.informationalHead())
        script.run(script.machine.upstreamClosed(responseStarted: false))
        #expect(script.connecting == nil)
        #expect(script.judged == [.success, .resetBeforeResponse])
        #expect(script.wire == ["send to 0", "respond 502", "log 502", "next"])
    }

    @Test func aNewConnectionClosingIsJudgedAsBefore() {
        var script = ExchangeScript(replicas: 1)
        script.request()
        script.connected()
        script.run(script.machine.upstreamClosed(responseStarted: false))
        #expect(script.connecting == nil)
        #expect(script.judged == [.resetBeforeResponse])
        #expect(script.wire == ["send to 0", "respond 502", "log 502", "next"])
    }

    @Test func aDeadReplicaIsNotConnectedToAgain() {
        var script = scriptWithAnIdleConnection()
        script.runPool(script.pool.replicaLeft(service: "web", id: 0))
        script.run(script.machine.replicaDied(id: 0))
        #expect(script.connecting == nil)
        #expect(script.wire == ["send to 0", "respond 502", "log 502", "next"])
    }

    @Test func theTryTimeoutStartsAgainWithTheNewConnection() {
        var script = scriptWithAnIdleConnection()
        script.advance(.seconds(2))
        script.run(script.machine.upstreamClosed(responseStarted: false))
        script.advance(.seconds(2))  // Connecting: no try timeout (3 s) runs.
        script.connected()
        script.advance(.seconds(2))
        #expect(script.machine.phase == .sending)
        script.advance(.seconds(2))
        #expect(script.wire == ["send to 0", "send to 0", "respond 504", "log 504", "next"])
        #expect(script.judged == [.success, .timedOut])
    }
}
