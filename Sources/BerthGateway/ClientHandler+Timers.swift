import BerthGatewayCore
import BerthGatewayHTTP2
import NIOCore

extension ClientHandler {
    // Timers against slow and idle clients, and the exchange's timeouts: checked by the loop's sweep, not
    // scheduled per request.

    func armHeaderTimer() {
        idleDeadline = nil
        headerDeadline = .now() + TimeAmount(configuration.headerTimeout)
    }

    func armIdleTimer() {
        headerDeadline = nil
        // A keep-alive connection may idle for idleTimeout; once a request starts arriving, headerTimeout applies.
        idleDeadline = .now() + loop.idleTimeout
    }

    /// Called by the loop's sweep a few times a second: enforces `send_timeout`, the exchange's timeouts (through
    /// the machine), and the header and idle deadlines of a connection between requests.
    func checkDeadlines(_ now: NIODeadline) {
        // Before `closing`: a connection closing after its last response still waits for the client to take it.
        let sendTimeout = TimeAmount(configuration.sendTimeout)
        // The kernel's sending counts as progress when it delivered enough (`SendProgressWatch`): a slow reader is
        // not a stalled one. The exchange's own deadlines below still apply.
        if sendWatch.stalledSince != nil, let channel = context?.channel,
            sendWatch.expired(
                pending: pendingOutboundBytes, now: Int64(now.uptimeNanoseconds), timeout: sendTimeout.nanoseconds,
                kernel: { channel.kernelSend })
        {
            run(machine.clientStalled())
            context?.close(promise: nil)
            return
        }
        guard !closing else { return }
        if machine.hasExchange {
            // Only while the replica waits for the body: once its response started, or the body ended, the watch
            // has no say (it is stopped when the body ends; a response head leaves the `sending` phase).
            if machine.phase == .sending, machine.requestDone == false,
                bodyWatch.expired(
                    now: Int64(now.uptimeNanoseconds), timeout: TimeAmount(configuration.bodyTimeout).nanoseconds)
            {
                bodyWatch.stop()
                run(machine.requestBodyStalled())
                return
            }
            run(machine.tick(now: .now))
            return
        }
        guard machine.phase == .idle else { return }
        if let deadline = headerDeadline, deadline <= now {
            headerDeadline = nil
            if inbound.readableBytes > 0 {
                refuse(
                    status: 408, message: "request head not received in time", requestID: loop.requestIDs.nextID(),
                    head: nil)
            } else {
                close()
            }
        } else if let deadline = idleDeadline, deadline <= now {
            close()
        }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let parts = duration.components
        self = .nanoseconds(parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000)
    }
}
