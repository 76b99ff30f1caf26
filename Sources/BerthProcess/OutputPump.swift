import BerthSystem
import CBerthShim
import Glibc
import Synchronization

/// Reads the children's stdout/stderr pipes on one dedicated thread (epoll), so that no read ever blocks the Swift
/// concurrency pool. One thread for all children also means one process's output callback never runs concurrently.
/// It also times the "a descendant still holds the pipe" grace, because only the reader can tell a silent pipe from
/// one it has not caught up with yet.
final class OutputPump: Sendable {
    struct Reader: Sendable {
        let fd: Int32
        let group: UInt64
        var sink: ReaderSink
        var valve: OutputValve?
        /// Out of epoll because its valve is closed.
        var parked = false
    }

    struct PendingEOF: Sendable {
        let group: UInt64
        /// From here on, the grace ends as soon as a round passes without data from the group's pipes.
        let soft: ContinuousClock.Instant
        /// Here it ends even if a descendant keeps writing.
        let hard: ContinuousClock.Instant
        let expire: @Sendable () -> Void
    }

    struct State: Sendable {
        var readers: [UInt64: Reader] = [:]
        var pending: [PendingEOF] = []
        /// Parked pipes whose valve opened: back into epoll on the pump's next round.
        var resumed: [UInt64] = []
    }

    static let readSize = 64 * 1024
    /// Reads per wake-up per pipe before giving the other pipes a turn (epoll is level-triggered).
    static let readsPerTurn = 4
    private static let wakeToken: UInt64 = 0

    let epollFD: Int32
    let wakeFD: Int32
    let state = Mutex(State())
    /// Descriptors of other modules served on this thread (sd_notify sockets, probes: see `OutputPump+Watchers`).
    let watchers = Mutex(WatcherTable())
    /// Bodies to run on this thread at a deadline (see `OutputPump+Timers`).
    let timers = Mutex(DeadlineHeap<@Sendable () -> Void>())
    let nextToken = Atomic<UInt64>(1)

    init() throws(SpawnError) {
        epollFD = berth_epoll_create()
        guard epollFD >= 0 else { throw .systemCall("epoll_create1", errno: Errno.current) }
        wakeFD = berth_eventfd_create()
        guard wakeFD >= 0, berth_epoll_add(epollFD, wakeFD, Self.wakeToken) == 0 else {
            throw .systemCall("eventfd", errno: Errno.current)
        }
        try DetachedThread.start { [self] in self.run() }
    }

    /// Starts reading `fd` (a pipe's read end, which the pump now owns and closes at EOF). `group` names the child.
    func add(
        fd: Int32,
        group: UInt64,
        stream: OutputLine.Stream,
        valve: OutputValve? = nil,
        onLine: @escaping @Sendable (OutputLine) -> Void,
        onClose: @escaping @Sendable () -> Void
    ) throws(SpawnError) {
        let sink = ReaderSink.lines(stream, LineSplitter(), onLine: onLine, onClose: onClose)
        try register(Reader(fd: fd, group: group, sink: sink, valve: valve))
    }

    /// Collects everything written to `fd` (a child's exec report pipe, owned by the pump from here on) and hands it
    /// to `onEnd` at EOF. At most `ReaderSink.reportLimit` bytes are kept.
    func collect(fd: Int32, group: UInt64, onEnd: @escaping @Sendable ([UInt8]) -> Void) throws(SpawnError) {
        try register(Reader(fd: fd, group: group, sink: .report([], onEnd: onEnd), valve: nil))
    }

    private func register(_ reader: Reader) throws(SpawnError) {
        let fd = reader.fd
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) >= 0 else {
            throw .systemCall("fcntl(O_NONBLOCK)", errno: Errno.current)
        }
        let token = nextToken.add(1, ordering: .relaxed).oldValue
        state.withLock { $0.readers[token] = reader }
        guard berth_epoll_add(epollFD, fd, token) == 0 else {
            let code = Errno.current
            state.withLock { _ = $0.readers.removeValue(forKey: token) }
            throw .systemCall("epoll_ctl(ADD)", errno: code)
        }
    }

    /// Called by a valve that opened: the pump re-adds the parked pipes on its thread.
    func resume(_ tokens: [UInt64]) {
        state.withLock { $0.resumed += tokens }
        berth_eventfd_signal(wakeFD)
    }

    /// Calls `expire` once the group's pipes have been silent for a round after `grace`, or after `cap` regardless.
    /// (Normally the group reaches EOF first and `expire` finds nothing left to do.)
    func expireWhenSilent(group: UInt64, grace: Duration, cap: Duration, expire: @escaping @Sendable () -> Void) {
        let now = ContinuousClock.now
        let entry = PendingEOF(group: group, soft: now + grace, hard: now + cap, expire: expire)
        state.withLock { $0.pending.append(entry) }
        berth_eventfd_signal(wakeFD)
    }
}
