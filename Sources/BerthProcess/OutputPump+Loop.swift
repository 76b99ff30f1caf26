import BerthSystem
import CBerthShim
import Glibc

extension OutputPump {
    func run() {
        berth_name_thread("berth-pump")  // not the name of the pool thread that created it
        // SIGCHLD unblocked here, at its default disposition: the exit of a child this thread cloned (a restart's
        // replacement) is then ignored when it is raised, instead of waking the main thread (the pidfd tells).
        berth_unblock_sigchld()
        var tokens = [UInt64](repeating: 0, count: 64)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readSize, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let timeout = millisecondsToNextDeadline()
            let count = System.retrying {
                tokens.withUnsafeMutableBufferPointer {
                    berth_epoll_wait(epollFD, $0.baseAddress, Int32($0.count), timeout)
                }
            }
            if count < 0 {
                fatalError("epoll_wait failed: \(Errno.message(errno))")
            }
            // Watchers first: a child's pidfd comes in the same batch as its pipes' EOF, and a prepared replacement
            // starts from it (`ExitWatch`); the pipes' last reads can wait for that.
            var pipes = 0
            for index in 0..<Int(count) {
                let token = tokens[index]
                if token == 0 || !serveWatcher(token) {
                    tokens[pipes] = token
                    pipes += 1
                }
            }
            for token in tokens.prefix(pipes) {
                if token == 0 {
                    berth_eventfd_drain(wakeFD)
                    unpark()
                    closeCancelledWatches()
                } else {
                    _ = service(token: token, buffer: buffer)
                }
            }
            expireDue(buffer: buffer)
            expireWatches()
            fireTimers()
        }
    }

    /// Puts the pipes whose valve opened back into epoll.
    private func unpark() {
        let tokens = state.withLock { state in
            defer { state.resumed = [] }
            return state.resumed
        }
        for token in tokens {
            let fd: Int32? = state.withLock { state in
                guard let reader = state.readers[token], reader.parked else { return nil }
                state.readers[token]!.parked = false
                return reader.fd
            }
            if let fd { _ = berth_epoll_add(epollFD, fd, token) }
        }
    }

    private func millisecondsToNextDeadline() -> Int32 {
        let graces = state.withLock { $0.pending.map(\.soft).min() }
        var own = graces
        if let timer = timers.withLock({ $0.earliest }), own.map({ timer < $0 }) ?? true { own = timer }
        guard let soonest = planWake(pumpDeadline: own) else {
            return -1
        }
        let left = soonest - .now
        guard left > .zero else { return 0 }
        return Int32(min((left / .milliseconds(1)).rounded(.up), 60_000))
    }

    /// Ends the graces that are due, unless the group's pipes have data right now (the pump may merely be behind:
    /// that data is read first, and the grace is checked again on the next round).
    private func expireDue(buffer: UnsafeMutableRawBufferPointer) {
        let now = ContinuousClock.now
        let candidates: [PendingEOF] = state.withLock { state in
            guard state.pending.contains(where: { $0.soft <= now }) else { return [] }
            let due = state.pending.filter { $0.soft <= now }
            state.pending.removeAll { $0.soft <= now }
            return due
        }
        var keep: [PendingEOF] = []
        for entry in candidates {
            let tokens = state.withLock { state in state.readers.filter { $0.value.group == entry.group }.map(\.key) }
            let busy = entry.hard > now && tokens.contains { service(token: $0, buffer: buffer) == .data }
            if busy {
                keep.append(entry)
            } else {
                entry.expire()
            }
        }
        if !keep.isEmpty {
            state.withLock { $0.pending += keep }
        }
    }

    enum ServiceResult {
        case unknown
        case idle
        case data
        case closed
    }

    /// Reads what is available; at EOF (or a read error) flushes the partial line, closes the fd, calls onClose.
    private func service(token: UInt64, buffer: UnsafeMutableRawBufferPointer) -> ServiceResult {
        guard var reader = state.withLock({ $0.readers[token] }) else { return .unknown }
        // A parked pipe may hold data: the grace waits for it (up to its cap).
        if reader.parked { return .data }
        var reachedEnd = false
        var readSome = false
        for _ in 0..<Self.readsPerTurn {
            if let valve = reader.valve, !valve.isOpen { break }
            let got = System.retrying { read(reader.fd, buffer.baseAddress, buffer.count) }
            if got > 0 {
                readSome = true
                reader.sink.consume(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
                continue
            }
            if got < 0, errno == EAGAIN || errno == EWOULDBLOCK { break }
            reachedEnd = true  // EOF, or an error that will not go away
            break
        }
        guard reachedEnd else {
            if let valve = reader.valve, valve.park(token, resume: { [self] in self.resume($0) }) {
                reader.parked = true
                _ = berth_epoll_del(epollFD, reader.fd)
            }
            state.withLock { $0.readers[token] = reader }
            return readSome ? .data : .idle
        }
        state.withLock { _ = $0.readers.removeValue(forKey: token) }
        _ = berth_epoll_del(epollFD, reader.fd)
        close(reader.fd)
        reader.sink.finish()
        return .closed
    }
}
