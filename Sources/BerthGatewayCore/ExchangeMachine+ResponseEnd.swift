extension ExchangeMachine {
    /// The end of a response, the one outcome every successful request has: its try succeeded, the connection goes
    /// back to the pool, the exchange is logged, then the next request or the lingering close. A value rather than
    /// an `[Action]`, whose storage was allocated and freed once per request.
    public struct ResponseEnd: Sendable, Equatable {
        public var replica: UpstreamBalancer.Replica
        /// The replica's connection can carry another request.
        public var reusable: Bool
        /// `.log` of the exchange.
        public var log: Action
        /// `.next` or `.closeAfterResponse`.
        public var end: Action

        /// The actions in the order the shell runs them.
        public var actions: [Action] {
            [.endTry(replica, .success, .succeeded), .releaseUpstream(replica, reusable: reusable), log, end]
        }
    }
}
