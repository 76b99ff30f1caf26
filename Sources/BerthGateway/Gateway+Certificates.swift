import Logging

/// Renewed certificates without a restart: `berth reload`, SIGHUP and a poll of the files (certbot renews in place
/// or by re-pointing the symbolic links of live/) all re-read them; new connections get the new certificate, open
/// ones keep theirs. See docs/gateway.md, "HTTPS".
extension Gateway {
    /// Loads the certificate of an HTTPS listen address when the gateway starts.
    func loadCertificate(
        _ files: GatewayConfiguration.TLS, for listen: GatewayConfiguration.Listen
    ) throws(GatewayError) -> GatewayCertificate {
        let address = "\(listen.host):\(listen.port)"
        let certificate = try GatewayCertificate(files: files, address: address)
        certificates.withLock { $0.byAddress[address] = certificate }
        return certificate
    }

    /// Re-reads every HTTPS listen address's files (`files` by `host:port`: the paths of a reloaded manifest), logs
    /// what changed, and returns what each did. Contents are compared, not paths: the same paths with a renewed
    /// certificate reload, and identical files change nothing.
    @discardableResult
    public func reloadCertificates(
        files: [String: GatewayConfiguration.TLS] = [:], trigger: String, quietRepeat: Bool = false
    ) -> [TLSReloadOutcome] {
        let (current, observer) = certificates.withLock { ($0.byAddress, $0.observer) }
        var outcomes: [TLSReloadOutcome] = []
        for address in current.keys.sorted() {
            let outcome = current[address]!.reload(files: files[address], quietRepeat: quietRepeat)
            switch outcome {
            case .unchanged:
                continue
            case .reloaded:
                logger.notice(
                    "\(outcome)", metadata: ["event": "tls_reloaded", "address": "\(address)", "trigger": "\(trigger)"])
            case .refused:
                logger.error(
                    "\(outcome)",
                    metadata: ["event": "tls_reload_failed", "address": "\(address)", "trigger": "\(trigger)"])
            }
            outcomes.append(outcome)
            observer?(outcome)
        }
        return outcomes
    }

    /// Calls `observer` with every reload or refused renewal (berthd turns them into events).
    public func onCertificateReloads(_ observer: @escaping @Sendable (TLSReloadOutcome) -> Void) {
        certificates.withLock { $0.observer = observer }
    }

    /// Polls the certificate files every `interval` until the task is cancelled; a renewal that does not load is
    /// reported once, not at every poll.
    public func watchCertificates(every interval: Duration) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            reloadCertificates(trigger: "files changed", quietRepeat: true)
        }
    }
}

/// The certificates of the HTTPS listen addresses by `host:port`, and who hears of their reloads.
struct GatewayCertificates {
    var byAddress: [String: GatewayCertificate] = [:]
    var observer: (@Sendable (TLSReloadOutcome) -> Void)?
}
