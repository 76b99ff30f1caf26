import BerthGatewayCore
import Testing

/// Found by the outside audit (branch audit1): a client that sends a head with `Content-Length: 10` and then only
/// part of its body held the replica until `timeout`, then got 504, and the replica was judged timed out: three
/// such requests ejected a replica (and with `health: { gateway_failures: N }` restarted it). The replica was
/// waiting for the client; now the client gets 408 and the replica is not judged.
@Suite struct ExchangeAuditTests {
    @Test func aBodyThatNeverEndsIs408AndDoesNotCountAgainstTheReplica() {
        var script = ExchangeScript()
        script.request(idempotent: false, hasBody: true, timeout: .seconds(3))
        script.connected()
        script.advance(.seconds(3))
        // The rest of the body may still come: the connection lingers so that the 408 is not lost to a reset.
        #expect(script.wire == ["send to 0", "respond 408 close", "log 408", "linger"], "\(script.wire)")
        #expect(script.judged.allSatisfy { $0 == .notJudged }, "\(script.judged)")
        #expect(!script.poolActions.contains { if case .failed = $0 { true } else { false } })
        #expect(script.closedConnections == [1])
    }

    @Test func aReplicaThatHasTheWholeRequestIsStill504AndJudged() {
        var script = ExchangeScript()
        script.request(timeout: .seconds(3))
        script.connected()
        script.advance(.seconds(3))
        #expect(script.wire.contains("respond 504"))
        #expect(script.judged == [.timedOut])
    }
}
