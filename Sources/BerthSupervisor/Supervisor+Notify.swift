import BerthManifest
import BerthNotify
import BerthProcess
import Glibc

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Replicas that speak sd_notify: each process gets a datagram socket of its own as `NOTIFY_SOCKET`; `READY=1`
/// answers `ready: { notify: true }` at once, `WATCHDOG=1` pings feed `health: { watchdog: ... }`.
extension Supervisor {
    func usesNotify(_ revision: ServiceRevision) -> Bool {
        revision.readyCheck?.check == .notify || revision.spec.health?.isWatchdog == true
    }

    /// Binds `DIR/SERVICE.SLOT.sock` for the incarnation about to be spawned; returns its path. Keyed by slot: during
    /// a rollout the old and the new process of one replica index each have their own socket.
    ///
    /// `otherUser`: the replica runs as a `user:`/`group:` of its own, which cannot reach the state directory (0700,
    /// and so is its parent): the socket is then an abstract one (`@berth-notify-…`, no file, no permissions). Found
    /// by the fourth outside audit (audit4): such a replica's `READY=1` got EACCES and it never became ready. Its name
    /// is random for each bind: abstract names are listed in /proc/net/unix, and a name another user could predict
    /// could be bound first (the replica's start would fail). Who may send stays the credential check's business.
    func openNotifySocket(service: String, slot id: Int, incarnation: Int, otherUser: Bool = false) throws -> String {
        let directory = configuration.notifyDirectory ?? "/tmp/berth-notify-\(getpid())"
        let key = "\(service).\(id)"
        notifyListeners.removeValue(forKey: key)?.close()
        let path: String
        if otherUser {
            var random = SystemRandomNumberGenerator()
            let token = (0..<2).map { _ in String(random.next() as UInt64, radix: 16) }.joined(separator: "-")
            path = "@berth-notify-\(token)"
        } else {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            path = "\(directory)/\(key).sock"
        }
        let listener = try NotifyListener(path: path) { [inputs] message, sender in
            // Read /proc now, while the sender (a short-lived helper of the replica) most likely still exists.
            let access = NotifyAccess(
                sender: sender, senderGroup: sender.flatMap { ProcessTable.processGroup(of: $0.pid) },
                senderSession: sender.flatMap { ProcessTable.session(of: $0.pid) })
            inputs.yield(.notify(message, access, service: service, slot: id, incarnation: incarnation))
        }
        if !otherUser {
            // As before (inside the 0700 state directory only berthd's user reaches it; the credential check
            // decides who counts anyway).
            chmod(path, 0o777)
            chmod(directory, 0o711)
        }
        notifyListeners[key] = listener
        notifyIncarnations[key] = incarnation
        return path
    }

    func closeNotifySocket(service: String, slot id: Int, incarnation: Int) {
        let key = "\(service).\(id)"
        guard notifyIncarnations[key] == incarnation else { return }
        notifyListeners.removeValue(forKey: key)?.close()
        notifyIncarnations[key] = nil
    }

    func closeAllNotifySockets() {
        for listener in notifyListeners.values { listener.close() }
        notifyListeners.removeAll()
        notifyIncarnations.removeAll()
    }

    func notifyReceived(
        _ message: NotifyMessage, from access: NotifyAccess, service: String, slot id: Int, incarnation: Int
    ) {
        guard let slot = services[service]?.slot(id), let process = slot.machine.process,
            process.incarnation == incarnation
        else { return }
        if let refusal = access.refusal(replicaPID: process.pid) {
            let key = "\(service).\(id)"
            let count = (notifyRefused[key] ?? 0) + 1
            notifyRefused[key] = count
            // 1, 10, 100, ...: a flood of forged messages is visible without flooding the log itself.
            if String(count).dropFirst().allSatisfy({ $0 == "0" }) {
                let text =
                    "sd_notify message for \(service).\(slot.index) dropped: \(refusal) "
                    + "(\(count) dropped so far)"
                logger.warning(
                    "\(text)",
                    metadata: ["event": "notify_refused", "service": "\(service)"])
            }
            return
        }
        let key = "\(service).\(id)"
        var checks = notifyChecks[key] ?? NotifyChecks()
        if message.watchdog {
            checks.lastPing = (incarnation, clock.now)
        }
        if let status = message.status {
            checks.status = status
        }
        let newlyReady = message.ready && checks.readyIncarnation != incarnation
        if newlyReady { checks.readyIncarnation = incarnation }
        notifyChecks[key] = checks
        if newlyReady {
            if slot.revision.readyCheck?.check == .notify {
                deliver(
                    .probeResult(.ready, incarnation: incarnation, success: true, detail: ""),
                    service: service, slot: id)
            }
        }
        let health = slot.revision.spec.health
        if message.watchdogTrigger, health?.isWatchdog == true {
            // WATCHDOG=trigger: the service asks to be treated as failed now.
            let threshold = health?.failureThreshold ?? 1
            for _ in 0..<threshold {
                deliver(
                    .probeResult(
                        .health, incarnation: incarnation, success: false,
                        detail: "WATCHDOG=trigger from sd_notify"), service: service, slot: id)
            }
        }
    }
}
