import BerthNotify

/// Who may speak for a replica on its notify socket: its main process or a process of its process group or session
/// (systemd's `NotifyAccess=all`, bounded to the replica: every replica leads a session of its own). The socket must
/// be reachable by a replica running as another user, so its permissions cannot tell; the sender's credentials,
/// attached by the kernel, can. Pure: /proc is read by the caller, at once on receipt.
struct NotifyAccess: Equatable, Sendable {
    /// The sender's pid as the kernel reported it, with its group and session read from /proc on receipt (nil when
    /// the sender is already gone).
    var sender: NotifySender?
    var senderGroup: Int32?
    var senderSession: Int32?

    /// Why a message is dropped for the replica whose main process is `replicaPID`, or nil when it is accepted.
    func refusal(replicaPID: Int32) -> String? {
        guard let sender else { return "it came without sender credentials" }
        if sender.pid == replicaPID { return nil }
        if replicaPID > 1, senderGroup == replicaPID || senderSession == replicaPID { return nil }
        return "it was sent by pid \(sender.pid) (uid \(sender.uid)), which is not the replica (pid \(replicaPID)) "
            + "nor a process of its group or session"
    }
}
