import BerthGatewayCore
import Testing

/// audit11: a client that shuts its sending side after its request (`shutdown(SHUT_WR)`) still reads; the gateway
/// closed at once on its end of file, so it got no answer unless its replica won a race. The machine's part: a
/// request sent whole is answered, then the connection closes; anything unfinished ends at once, not judged.
@Suite("Half-closing clients (audit11)")
struct HalfCloseAudit11Tests {
    @Test func aRequestSentWholeIsAnsweredThenTheConnectionCloses() {
        var script = ExchangeScript()
        script.request()
        script.connected()
        script.run(script.machine.clientInputClosed())
        #expect(script.wire == ["send to 0"], "nothing is cut while the answer is on its way")
        script.respond()
        script.endResponse()
        #expect(script.judged == [.success])
        #expect(script.wire == ["send to 0", "log 200", "next"])
        // The shell, idle after parsing what was buffered, asks again: the connection closes after the response.
        #expect(script.machine.inputClosed)
        script.run(script.machine.clientInputClosed())
        #expect(script.wire.last == "linger")
        #expect(script.machine.state == .closing)
    }

    @Test func anEndOfFileWhileWaitingForAReplicaStillGetsTheAnswer() {
        var script = ExchangeScript()
        script.request(idempotent: false, hasBody: true)
        script.run(script.machine.requestBodyDone())
        script.run(script.machine.clientInputClosed())
        #expect(script.connecting != nil, "the connect goes on")
        script.connected()
        script.respond(status: 201)
        script.endResponse()
        #expect(script.judged == [.success])
        #expect(script.logged.map(\.status) == [201])
    }

    @Test func aBodyThatCanNoLongerArriveEndsTheExchangeUnjudged() {
        var script = ExchangeScript()
        script.request(idempotent: false, hasBody: true)
        script.connected()
        script.run(script.machine.clientInputClosed())
        #expect(script.wire == ["send to 0", "cut"])
        #expect(script.judged == [.notJudged])
        #expect(script.closedConnections == [1])
        #expect(script.machine.state == .closed)
        #expect(script.inFlight == 0)
    }

    @Test func anIdleConnectionOrAPartialHeadClosesAfterWhatWasWritten() {
        var script = ExchangeScript()
        script.run(script.machine.clientInputClosed())
        #expect(script.wire == ["linger"])
        #expect(script.machine.state == .closing)
        // A second end of file (or one during the lingering close) changes nothing.
        script.run(script.machine.clientInputClosed())
        #expect(script.wire == ["linger"])
    }

    @Test func aTunnelClosesAsAWhole() {
        var script = ExchangeScript()
        script.request()
        script.connected()
        script.run(
            script.machine.responseHead(status: 101, clientKeepAlive: true, closeDelimited: false, upgrade: true))
        #expect(script.machine.state == .tunnel)
        script.run(script.machine.clientInputClosed())
        #expect(script.wire.suffix(2) == ["tunnel", "cut"])
        #expect(script.machine.state == .closed)
    }
}
