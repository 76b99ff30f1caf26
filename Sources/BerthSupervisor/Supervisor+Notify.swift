import BerthManifest
import BerthNotify
import Foundation

/// Replicas that speak sd_notify: each process gets a datagram socket of its own as `NOTIFY_SOCKET`; `READY=1`
/// answers `ready: { notify: true }` at once, `WATCHDOG=1` pings feed `health: { watchdog: ... }`.
extension Supervisor {
    func usesNotify(_ runtime: ServiceRuntime) -> Bool {
        runtime.readyCheck?.check == .notify || runtime.spec.health?.isWatchdog == true
    }

    /// Binds `DIR/SERVICE.INDEX.sock` for the incarnation about to be spawned; returns its path.
    func openNotifySocket(service: String, index: Int, incarnation: Int) throws -> String {
        let directory = configuration.notifyDirectory ?? "/tmp/berth-notify-\(getpid())"
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let key = "\(service).\(index)"
        notifyListeners.removeValue(forKey: key)?.close()
        let path = "\(directory)/\(key).sock"
        let listener = try NotifyListener(path: path) { [weak self] message in
            Task { await self?.notifyReceived(message, service: service, index: index, incarnation: incarnation) }
        }
        // The replica may run as another user: it must be able to send to its socket.
        chmod(path, 0o777)
        chmod(directory, 0o711)
        notifyListeners[key] = listener
        notifyIncarnations[key] = incarnation
        return path
    }

    func closeNotifySocket(service: String, index: Int, incarnation: Int) {
        let key = "\(service).\(index)"
        guard notifyIncarnations[key] == incarnation else { return }
        notifyListeners.removeValue(forKey: key)?.close()
        notifyIncarnations[key] = nil
    }

    func closeAllNotifySockets() {
        for listener in notifyListeners.values { listener.close() }
        notifyListeners.removeAll()
        notifyIncarnations.removeAll()
    }

    func notifyReceived(_ message: NotifyMessage, service: String, index: Int, incarnation: Int) {
        guard let runtime = services[service], let position = runtime.slotPosition(index),
            runtime.slots[position].machine.process?.incarnation == incarnation
        else { return }
        if message.watchdog {
            services[service]!.slots[position].notify.lastPing = (incarnation, .now)
        }
        if let status = message.status {
            services[service]!.slots[position].notify.status = status
        }
        if message.ready, services[service]!.slots[position].notify.readyIncarnation != incarnation {
            services[service]!.slots[position].notify.readyIncarnation = incarnation
            if runtime.readyCheck?.check == .notify {
                deliver(.probeResult(.ready, incarnation: incarnation, success: true, detail: ""),
                    service: service, index: index)
            }
        }
        if message.watchdogTrigger, runtime.spec.health?.isWatchdog == true {
            // WATCHDOG=trigger: the service asks to be treated as failed now.
            let threshold = runtime.spec.health?.failureThreshold ?? 1
            for _ in 0..<threshold {
                deliver(.probeResult(.health, incarnation: incarnation, success: false,
                    detail: "WATCHDOG=trigger from sd_notify"), service: service, index: index)
            }
        }
    }
}
