import Testing

@testable import BerthSupervisor

/// Who may speak for a replica on its notify socket (issue 13, finding 7): its main process, or a process of its
/// group or session; nobody else, and nothing without credentials.
@Suite struct NotifyAccessTests {
    @Test func theReplicaAndItsGroupAndSessionAreAccepted() {
        let replica: Int32 = 4000
        #expect(NotifyAccess(sender: .init(pid: 4000, uid: 65534)).refusal(replicaPID: replica) == nil)
        // A helper it ran (systemd-notify), still in its group, or in its session after a setpgid.
        #expect(
            NotifyAccess(sender: .init(pid: 4010, uid: 0), senderGroup: 4000, senderSession: 4000)
                .refusal(replicaPID: replica) == nil)
        #expect(
            NotifyAccess(sender: .init(pid: 4011, uid: 0), senderGroup: 4011, senderSession: 4000)
                .refusal(replicaPID: replica) == nil)
    }

    @Test func othersAndMessagesWithoutCredentialsAreRefused() {
        let replica: Int32 = 4000
        let other = NotifyAccess(sender: .init(pid: 5000, uid: 65534), senderGroup: 5000, senderSession: 5000)
        #expect(
            other.refusal(replicaPID: replica)
                == "it was sent by pid 5000 (uid 65534), which is not the replica (pid 4000) nor a process of its "
                + "group or session")
        #expect(NotifyAccess(sender: nil).refusal(replicaPID: replica) == "it came without sender credentials")
        // A sender that is gone before /proc was read is not taken on trust.
        #expect(NotifyAccess(sender: .init(pid: 5001, uid: 0)).refusal(replicaPID: replica) != nil)
        // Group 1 or session 1 (init's) never vouches for a replica, whatever the bookkeeping says.
        #expect(
            NotifyAccess(sender: .init(pid: 5002, uid: 0), senderGroup: 1, senderSession: 1).refusal(replicaPID: 1)
                != nil)
    }
}
