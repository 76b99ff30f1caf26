import BerthSystem
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

/// A datagram socket a replica sends its sd_notify messages to (its `NOTIFY_SOCKET`), read on a thread of its own;
/// each message goes to `onMessage`. Closing it removes the socket file.
public final class NotifyListener: Sendable {
    public let path: String
    private let loop: ReadLoop

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// For a listener that trusts anyone who can reach the socket (berthd's own tests of its systemd side).
    public convenience init(path: String, onMessage: @escaping @Sendable (NotifyMessage) -> Void) throws(Failure) {
        try self.init(path: path) { message, _ in onMessage(message) }
    }

    /// `onMessage` gets each message with its sender, nil when the kernel attached no credentials.
    public init(
        path: String, onMessage: @escaping @Sendable (NotifyMessage, NotifySender?) -> Void
    ) throws(Failure) {
        self.path = path
        unlink(path)
        let fd: Int32
        do {
            fd = try SocketAddresses.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue))
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
            unlink(path)
            throw Failure(description: "cannot enable SO_PASSCRED on \(path): \(message)")
        }
        // A receive timeout, so that the reader notices `close` even if shutdown does not wake it.
        var timeout = timeval(tv_sec: 0, tv_usec: 500_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        loop = ReadLoop(fd: fd, onMessage: onMessage)
        var thread = pthread_t()
        let box = Unmanaged.passRetained(loop)
        let started = pthread_create(
            &thread, nil,
            { raw in
                Unmanaged<ReadLoop>.fromOpaque(raw!).takeRetainedValue().run()
                return nil
            }, box.toOpaque())
        guard started == 0 else {
            box.release()
            Glibc.close(fd)
            unlink(path)
            throw Failure(description: "cannot start the notify reader thread")
        }
        pthread_detach(thread)
    }

    /// Stops reading and removes the socket file.
    public func close() {
        guard !loop.closed.exchange(true, ordering: .relaxed) else { return }
        unlink(path)
        shutdown(loop.fd, Int32(SHUT_RDWR))
    }
}

private final class ReadLoop: Sendable {
    let fd: Int32
    let onMessage: @Sendable (NotifyMessage, NotifySender?) -> Void
    let closed = Atomic<Bool>(false)

    init(fd: Int32, onMessage: @escaping @Sendable (NotifyMessage, NotifySender?) -> Void) {
        self.fd = fd
        self.onMessage = onMessage
    }

    func run() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !closed.load(ordering: .relaxed) {
            var hasCredentials: Int32 = 0
            var pid: Int32 = 0
            var uid: UInt32 = 0
            let got = System.retrying {
                buffer.withUnsafeMutableBytes {
                    berth_recv_with_credentials(fd, $0.baseAddress, $0.count, &hasCredentials, &pid, &uid)
                }
            }
            if got < 0, errno == EAGAIN || errno == EWOULDBLOCK { continue }
            if got <= 0 { break }
            if closed.load(ordering: .relaxed) { break }
            let sender = hasCredentials != 0 ? NotifySender(pid: pid, uid: uid) : nil
            onMessage(NotifyMessage.parse(buffer[0..<got]), sender)
        }
        Glibc.close(fd)
    }
}
