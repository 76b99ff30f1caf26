import BerthNotify
import BerthProcess
import Testing

@testable import BerthSupervisor

/// Found by the fourth outside audit (audit4): a `user:` replica's notify socket was a file in berthd's 0700 state
/// directory, out of that user's reach (EACCES on READY=1: never ready). It now gets an abstract socket with a
/// random name; a replica of berthd's own user keeps its file in the notify directory.
@Suite struct NotifySocketAddressTests {
    @Test func aReplicaOfAnotherUserGetsAFreshAbstractSocket() async throws {
        let processes = FakeProcesses()
        let supervisor = try makeSupervisor(
            """
            services:
              low: { command: ["low"], user: nobody, ready: { notify: true } }
              own: { command: ["own"], ready: { notify: true } }
            """,
            processes: processes
        )
        await supervisor.up()
        #expect(await eventually { processes.running("low")[0] != nil && processes.running("own")[0] != nil })
        let low = try #require(processes.running("low")[0].flatMap { processes.request(of: $0) })
        let own = try #require(processes.running("own")[0].flatMap { processes.request(of: $0) })
        let lowAddress = try #require(low.environment["NOTIFY_SOCKET"])
        let ownAddress = try #require(own.environment["NOTIFY_SOCKET"])
        // The broken supervisor gave both a file under the notify directory.
        #expect(lowAddress.hasPrefix("@berth-notify-"), "\(lowAddress)")
        #expect(lowAddress.count > "@berth-notify-".count + 16, "\(lowAddress)")
        #expect(ownAddress.hasPrefix("/") && ownAddress.hasSuffix("/own.0.sock"), "\(ownAddress)")
        // Someone listens there (the datagram is delivered; the sender's credentials decide what it counts for).
        #expect(NotifySocket(lowAddress)?.send([("STATUS", "probe")]) == true)
        _ = await supervisor.down(timeout: nil)
    }
}
