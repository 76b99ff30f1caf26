extension Prober {
    /// Starts an HTTP probe of `host:port` (an IP address) without a task: the connection runs on the daemon's epoll
    /// thread and `completion` gets the outcome there (or at once, for an invalid probe or a refused connection).
    /// The supervisor's way, so that a probe costs tens of microseconds (bench/scale.sh). With `keepAlive` the
    /// connection stays open for the next probe of `host:port` (see `ProbeConnectionPool` for when it reconnects).
    public func startHTTP(
        host: String, port: Int, path: String, timeout: Duration, keepAlive: Bool = false,
        completion: @escaping @Sendable (ProbeOutcome) -> Void
    ) {
        guard Self.isValid(path: path) else { return completion(.failure("invalid probe path '\(path)'")) }
        let request = requests.request(host: host, port: port, path: path, keepAlive: keepAlive)
        let kept = keepAlive ? ProbeConnection.KeepAlive(pool: connections, key: .init(host: host, port: port)) : nil
        start(host: host, port: port, request: request, timeout: timeout, keepAlive: kept, completion: completion)
    }

    /// Starts a TCP probe of `host:port` (an IP address) without a task, as `startHTTP` does.
    public func startTCP(
        host: String, port: Int, timeout: Duration, completion: @escaping @Sendable (ProbeOutcome) -> Void
    ) {
        start(host: host, port: port, request: nil, timeout: timeout, completion: completion)
    }

    private func start(
        host: String, port: Int, request: [UInt8]?, timeout: Duration, keepAlive: ProbeConnection.KeepAlive? = nil,
        completion: @escaping @Sendable (ProbeOutcome) -> Void
    ) {
        guard (1...65535).contains(port) else { return completion(.failure("invalid port \(port)")) }
        guard let address = ProbeAddress(host: host, port: port) else {
            return completion(.failure("'\(host)' is not an IP address"))
        }
        ProbeConnection.start(
            address, request: request, timeout: timeout, keepAlive: keepAlive, loop: readiness, completion: completion)
    }
}
