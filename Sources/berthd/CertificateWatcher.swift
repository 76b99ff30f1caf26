import BerthGateway
import ServiceLifecycle
import UnixSignals

/// Picks up renewed gateway certificates without a restart: on SIGHUP (a certbot deploy hook's `kill -HUP`) and by
/// polling the files, for renewals nobody signals. `berth reload` re-reads them too (DaemonControl).
struct CertificateWatcher: Service {
    let gateway: Gateway
    /// How often the files are read and compared (a few KiB each, so every few seconds costs nothing); nil: never.
    var interval: Duration?

    /// `BERTH_TLS_POLL_SECONDS` (0 turns polling off; SIGHUP and `berth reload` still work), else 3 s.
    static func interval(_ environment: [String: String]) -> Duration? {
        guard let text = environment["BERTH_TLS_POLL_SECONDS"], let seconds = Double(text), seconds >= 0 else {
            return .seconds(3)
        }
        return seconds == 0 ? nil : .milliseconds(Int(seconds * 1000))
    }

    func run() async {
        let gateway = self.gateway
        let interval = self.interval
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await _ in hangups { gateway.reloadCertificates(trigger: "SIGHUP") }
                }
                if let interval {
                    group.addTask { await gateway.watchCertificates(every: interval) }
                }
            }
        }
    }
}
