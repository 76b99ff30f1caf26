import BerthGatewayCore

/// The request id and head of a request refused before routing, for the actions that answer and log it. A class:
/// as an optional tuple on the handler, every `.log` action (one per request) copied it out to see that it was nil,
/// an outlined copy of a `RequestHead` (~400 instructions per request in the profile).
final class Refusal {
    let requestID: RequestID
    let head: RequestHead?

    init(requestID: RequestID, head: RequestHead?) {
        self.requestID = requestID
        self.head = head
    }
}
