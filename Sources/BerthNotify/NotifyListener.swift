import BerthProcess
public import BerthSystem
import CBerthShim
import Glibc
import Synchronization

/// Who sent a notify datagram, as the kernel reports it (SCM_CREDENTIALS): the only thing that tells a replica's
/// own `READY=1` from one sent by any other process that can reach the socket.
public struct NotifySender: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32

    public init(pid: Int32, uid: UInt32) {
        self.pid = pid
        self.uid = uid
    }
}

/// A datagram socket a replica sends its sd_notify messages to (its `NOTIFY_SOCKET`), read on the daemon's one epoll
/// thread (the output pump's, see `ReadinessLoop`) rather than by a thread of its own; each message goes to
/// `onMessage`. Closing it removes the socket file.
public final class NotifyListener: Sendable {
    public let path: String
    private let loop: any ReadinessLoop
    private let token: UInt64
    private let closed = Atomic<Bool>(false)

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// For a listener that trusts anyone who can reach the socket (berthd's own tests of its systemd side).
    public convenience init(path: String, onMessage: @escaping @Sendable (NotifyMessage) -> Void) throws(Failure) {
        try self.init(path: path) { message, _ in onMessage(message) }
    }

    /// `onMessage` gets each message with its sender, nil when the kernel attached no credentials. It runs on the
    /// loop's thread (`loop`, nil: the process's one, `ProcessLauncher.sharedReadiness`) and must not block.
    public init(
        path: String, loop: (any ReadinessLoop)? = nil,
        onMessage: @escaping @Sendable (NotifyMessage, NotifySender?) -> Void
    ) throws(Failure) {
        self.path = path
        let chosen: any ReadinessLoop
        do {
            chosen = try loop ?? ProcessLauncher.sharedReadiness()
        } catch {
            throw Failure(description: "cannot listen on \(path): \(error)")
        }
        self.loop = chosen
        removeFile(path)
        let fd: Int32
        do {
            fd = try SocketAddresses.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue))
        } catch {
            throw Failure(description: error.description)
        }
        // withAddress is nil for a path that does not fit in sun_path.
        let bound = NotifySocket(path)?.withAddress { bind(fd, $0, $1) }
        guard bound == 0 else {
            let message = Errno.message(bound == nil ? ENAMETOOLONG : errno)
            Glibc.close(fd)
            throw Failure(description: "cannot bind \(path): \(message)")
        }
        guard berth_enable_passcred(fd) == 0 else {
            let message = Errno.message(errno)
            Glibc.close(fd)
            removeFile(path)
            throw Failure(description: "cannot enable SO_PASSCRED on \(path): \(message)")
        }
        do {
            token = try chosen.watch(fd, for: .read, deadline: nil, handler: NotifyReader(fd: fd, onMessage: onMessage))
        } catch {
            removeFile(path)
            throw Failure(description: "cannot listen on \(path): \(error)")
        }
    }

    /// Stops reading and removes the socket file.
    public func close() {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        removeFile(path)
        loop.cancel(token)
    }
}

/// Reads a notify socket's datagrams when the loop finds it readable; the loop's thread is its only caller.
private final class NotifyReader: ReadinessHandler, @unchecked Sendable {
    /// Datagrams read per wake-up before the loop's other descriptors get a turn (a flood must not starve them).
    static let messagesPerTurn = 16

    let fd: Int32
    let onMessage: @Sendable (NotifyMessage, NotifySender?) -> Void
    private var buffer = [UInt8](repeating: 0, count: 4096)

    init(fd: Int32, onMessage: @escaping @Sendable (NotifyMessage, NotifySender?) -> Void) {
        self.fd = fd
        self.onMessage = onMessage
    }

    func ready() -> WatchNext {
        for _ in 0..<Self.messagesPerTurn {
            var hasCredentials: Int32 = 0
            var pid: Int32 = 0
            var uid: UInt32 = 0
            let got = System.retrying {
                buffer.withUnsafeMutableBytes {
                    berth_recv_with_credentials(fd, $0.baseAddress, $0.count, &hasCredentials, &pid, &uid)
                }
            }
            if got < 0, errno == EAGAIN || errno == EWOULDBLOCK { return .read }
            // Another error will not go away: stop listening rather than spin.
            if got < 0 { return .done }
            // An empty datagram says nothing (and, unlike on a stream, is no end of anything).
            if got == 0 { continue }
            let sender = hasCredentials != 0 ? NotifySender(pid: pid, uid: uid) : nil
            onMessage(NotifyMessage.parse(buffer[0..<got]), sender)
        }
        return .read
    }

    func timedOut() {}
}

/// Removes a socket file; an abstract socket (`@name`) has none (and `unlink("@name")` would name a file in the
/// working directory).
private func removeFile(_ path: String) {
    if path.hasPrefix("/") { unlink(path) }
}
