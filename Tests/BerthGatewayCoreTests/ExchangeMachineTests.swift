import BerthGatewayCore
import Testing

/// The exchange machine driven against a real pool with a manual clock: each test is one client's story.
@Suite("Exchange machine")
struct ExchangeMachineTests {
    @Test func keepAliveReusesThePooledConnectionWithoutConnecting() {
        var script = ExchangeScript()
        script.request()
        #expect(script.connecting?.id == 0)
        script.connected()
        script.respond()
        script.endResponse()
        #expect(script.wire == ["send to 0", "log 200", "next"])
        #expect(script.machine.state == .idle)
        #expect(script.inFlight == 0)
        #expect(script.pool.idleCount(.init(service: "web", id: 0)) == 1)
        // Round robin gives replica 1 next, then 0 again: its idle connection is taken at once.
        script.request()
        script.connected()
        script.respond()
        script.endResponse()
        script.request()
        #expect(script.connecting == nil)
        #expect(script.connection == 1)
        #expect(script.wire.last == "send to 0")
        #expect(script.judged == [.success, .success])
    }

    /// The shell's per-read checks read these instead of copying the exchange: they must say what `exchange` says.
    @Test func requestDoneAndHasExchangeFollowTheExchange() {
        var script = ExchangeScript()
        #expect(script.machine.requestDone == nil)
        #expect(!script.machine.hasExchange)
        script.request(idempotent: false, hasBody: true)
        #expect(script.machine.hasExchange)
        #expect(script.machine.requestDone == false)
        script.connected()
        #expect(script.machine.requestDone == false)
        script.run(script.machine.requestBodyDone())
        #expect(script.machine.requestDone == true)
        #expect(script.machine.requestDone == script.machine.exchange?.requestDone)
        script.respond()
        #expect(script.machine.requestDone == true)
        script.endResponse()
        #expect(script.machine.requestDone == nil)
        #expect(!script.machine.hasExchange)
        #expect(script.machine.exchange == nil)
    }

    @Test func connectFailureIsRetriedOnAnotherReplica() {
        var script = ExchangeScript()
        script.request(idempotent: false, hasBody: true)
        script.connectFailed()
        #expect(script.outcomes.first?.next == .retryableBeforeSend)
        #expect(script.connecting?.id == 1)
        script.connected()
        script.run(script.machine.requestBodyDone())
        script.respond()
        script.endResponse()
        #expect(script.judged == [.connectFailed, .success])
        #expect(script.logged.last?.attempts == 2)
        #expect(script.inFlight == 0)
    }

    @Test func resetBeforeResponseReplaysAGetButNotAPost() {
        var get = ExchangeScript()
        get.request()
        get.connected()
        get.run(get.machine.upstreamClosed())
        #expect(get.outcomes.map(\.next) == [.replayable])
        get.connected()
        get.respond()
        get.endResponse()
        #expect(get.wire == ["send to 0", "send to 1", "log 200", "next"])

        var post = ExchangeScript()
        post.request(idempotent: false, hasBody: true)
        post.connected()
        post.run(post.machine.upstreamClosed())
        #expect(post.outcomes.map(\.next) == [.failed])
        #expect(post.wire == ["send to 0", "respond 502 close", "log 502", "linger"])
        #expect(post.judged == [.resetBeforeResponse])
        #expect(post.machine.state == .closing)
        #expect(post.inFlight == 0)
    }

    @Test func everyReplicaFailingIs502() {
        var script = ExchangeScript()
        script.request(retries: 5)
        script.connectFailed()
        script.connectFailed()
        #expect(script.wire == ["respond 502", "log 502", "next"])
        #expect(script.judged == [.connectFailed, .connectFailed])
    }

    @Test func aHungReplicaIs504WithoutReplay() {
        var script = ExchangeScript()
        script.request(timeout: .seconds(3))
        script.connected()
        script.advance(.seconds(2))
        #expect(script.machine.replica?.id == 0)
        script.advance(.seconds(1))
        #expect(script.wire == ["send to 0", "respond 504", "log 504", "next"])
        #expect(script.judged == [.timedOut])
        #expect(script.closedConnections == [1])
        #expect(
            script.poolActions.contains(
                .failed(
                    .init(service: "web", id: 0), generation: 1, consecutive: 1,
                    outcome: .timedOut)))
    }

    @Test func queueTimeoutAnswers503() {
        var script = ExchangeScript(replicas: 0)
        script.setStarting(true)
        script.request()
        #expect(script.wire == ["queued"])
        script.advance(.seconds(4))
        #expect(script.pool.waiterCount("web") == 1)
        script.advance(.seconds(1))
        #expect(script.wire == ["queued", "respond 503", "log 503", "next"])
        #expect(script.pool.waiterCount("web") == 0)
        #expect(script.judged.isEmpty)
    }

    @Test func aWaitingRequestGetsTheReplicaThatBecomesReady() {
        var script = ExchangeScript(replicas: 0)
        script.setStarting(true)
        script.request()
        script.advance(.seconds(1))
        script.replicaReady(id: 3)
        #expect(script.connecting?.id == 3)
        script.connected()
        script.respond()
        script.endResponse()
        #expect(script.wire == ["queued", "send to 3", "log 200", "next"])
    }

    @Test func noReplicaAndNoneStartingIs503AtOnce() {
        var script = ExchangeScript(replicas: 0)
        script.request()
        #expect(script.wire == ["respond 503", "log 503", "next"])
        script.setStarting(true)
        script.request()
        script.setStarting(false)
        #expect(script.wire.suffix(4) == ["queued", "respond 503", "log 503", "next"])
    }

    @Test func bodyTooLargeMidwayIs413AndNotHeldAgainstTheReplica() {
        var script = ExchangeScript()
        script.request(idempotent: false, hasBody: true)
        script.connected()
        script.run(script.machine.requestBodyTooLarge(limit: 1024))
        #expect(script.wire == ["send to 0", "respond 413 close", "log 413", "linger"])
        #expect(script.judged == [.notJudged])
        #expect(script.closedConnections == [1])
        #expect(script.inFlight == 0)
        #expect(script.pool.balancer("web")!.consecutiveFailures(id: 0) == 0)
    }

    @Test func bodyTooLargeAfterTheResponseStartedCutsTheConnection() {
        var script = ExchangeScript()
        script.request(idempotent: false, hasBody: true)
        script.connected()
        script.respond(status: 200)
        script.run(script.machine.requestBodyTooLarge(limit: 1024))
        #expect(script.wire == ["send to 0", "log 200", "cut"])
        #expect(script.machine.state == .closed)
    }

    @Test func aReplicaAnsweringBeforeTheWholeBodyClosesBothConnections() {
        var script = ExchangeScript()
        script.request(idempotent: false, hasBody: true)
        script.connected()
        script.respond(status: 413)
        script.endResponse(reusable: true)
        #expect(script.wire == ["send to 0", "log 413", "linger"])
        #expect(script.pool.idleCount(.init(service: "web", id: 0)) == 0)
        #expect(script.poolActions.last == .close(1))
    }

    @Test func anUpstreamClosingMidResponseCutsTheClientAndCountsAgainstTheReplica() {
        var script = ExchangeScript()
        script.request()
        script.connected()
        script.respond()
        script.run(script.machine.upstreamClosed())
        #expect(script.wire == ["send to 0", "log 200", "cut"])
        #expect(script.judged == [.badResponse])
        #expect(script.inFlight == 0)
    }

    @Test func aCloseDelimitedResponseEndsWithTheUpstreamClose() {
        var script = ExchangeScript()
        script.request()
        script.connected()
        script.respond(keepAlive: false, closeDelimited: true)
        script.run(script.machine.upstreamClosed())
        #expect(script.wire == ["send to 0", "log 200", "linger"])
        #expect(script.judged == [.success])
    }

    @Test func anInvalidResponseHeadIs502AndCountsAgainstTheReplica() {
        var script = ExchangeScript()
        script.request()
        script.connected()
        script.run(script.machine.responseInvalid(why: "an invalid status line"))
        #expect(script.wire == ["send to 0", "respond 502", "log 502", "next"])
        #expect(script.judged == [.badResponse])
        #expect(script.closedConnections == [1])
    }

    @Test func aClientThatStopsReadingIsCutWithoutJudgingTheReplica() {
        var script = ExchangeScript()
        script.request()
        script.connected()
        script.respond()
        script.run(script.machine.clientStalled())
        #expect(script.wire == ["send to 0", "log 200", "cut"])
        #expect(script.judged == [.notJudged])
        #expect(script.closedConnections == [1])
        #expect(script.inFlight == 0)
    }

    @Test func aDeadReplicasIdempotentRequestIsReplayedAtOnce() {
        var script = ExchangeScript()
        script.request(timeout: .seconds(60))
        script.connected()
        script.runPool(script.pool.replicaLeft(service: "web", id: 0))
        script.run(script.machine.replicaDied(id: 0))
        #expect(script.connecting?.id == 1)
        script.connected()
        script.respond()
        script.endResponse()
        #expect(script.wire == ["send to 0", "send to 1", "log 200", "next"])
        #expect(script.outcomes.map(\.next) == [.replayable, .succeeded])
        #expect(script.closedConnections == [1])
    }

    @Test func aDeadReplicasPostIsAnswered502AtOnce() {
        var script = ExchangeScript()
        script.request(idempotent: false, hasBody: false, timeout: .seconds(60))
        script.connected()
        script.run(script.machine.replicaDied(id: 0))
        #expect(script.wire == ["send to 0", "respond 502", "log 502", "next"])
        #expect(script.machine.replicaDied(id: 1).isEmpty)
    }

    @Test func theRoutesDeadlineWhileWaitingIs504() {
        var script = ExchangeScript(replicas: 0)
        script.setStarting(true)
        script.request(deadline: .seconds(2))
        script.advance(.seconds(2))
        #expect(script.wire == ["queued", "cancelWait", "respond 504", "log 504", "next"])
        #expect(script.pool.waiterCount("web") == 0)
    }

    @Test func aDrainEndsWhenTheLastInFlightRequestEnds() {
        var script = ExchangeScript()
        script.request()
        script.connected()
        let drain = script.pool.drain(service: "web", id: 0)
        #expect(drain.isEmpty)
        script.respond()
        script.endResponse()
        #expect(script.poolActions.contains(.drained(.init(service: "web", id: 0))))
        // Out of rotation: its connection is closed, not pooled.
        #expect(script.pool.idleCount(.init(service: "web", id: 0)) == 0)
    }

    @Test func aClientLeavingWhileWaitingCancelsTheWait() {
        var script = ExchangeScript(replicas: 0)
        script.setStarting(true)
        script.request()
        script.run(script.machine.clientClosed())
        #expect(script.pool.waiterCount("web") == 0)
        #expect(script.machine.state == .closed)
    }

    @Test func anUpgradeBecomesATunnel() {
        var script = ExchangeScript()
        script.request()
        script.connected()
        script.run(
            script.machine.responseHead(
                status: 101, clientKeepAlive: true, closeDelimited: false,
                upgrade: true))
        #expect(script.machine.state == .tunnel)
        #expect(script.wire == ["send to 0", "log 101", "tunnel"])
        script.run(script.machine.upstreamClosed())
        #expect(script.machine.state == .closed)
    }
}
