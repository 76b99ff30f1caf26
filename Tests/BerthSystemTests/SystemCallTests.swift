import BerthSystem
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The system-call layer against the real kernel: errors named with their call and text, EINTR retried, every byte
/// written, socket addresses checked, and the passwd/group lookups.
@Suite struct SystemCallTests {
    @Test func failuresNameTheCallAndTheErrno() {
        #expect(throws: SystemError("read", code: EBADF)) {
            var buffer = [UInt8](repeating: 0, count: 1)
            _ = try System.read(-1, into: &buffer)
        }
        #expect(SystemError("connect", code: ECONNREFUSED).description == "connect: Connection refused")
        #expect(Errno.message(ENOENT) == "No such file or directory")
    }

    @Test func writeAllWritesEveryByteThroughAPipe() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        // More than a pipe holds at once (64 KiB): the writer must loop over short writes while the reader drains.
        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0) }
        let writeEnd = fds[1]
        let writer = Thread {
            try? System.writeAll(writeEnd, payload)
            close(writeEnd)
        }
        writer.start()
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let count = try System.read(fds[0], into: &buffer)
            if count == 0 { break }
            received += buffer[..<count]
        }
        #expect(received == payload)
    }

    /// A signal without SA_RESTART interrupts a blocking read with EINTR; `System.read` carries on and gets the data.
    @Test func interruptedReadIsRetried() throws {
        let result = try readInterruptedBySignals { fd in
            var buffer = [UInt8](repeating: 0, count: 16)
            return Result { () throws(SystemError) -> Int in try System.read(fd, into: &buffer) }
        }
        #expect(result == .success(1), "\(result)")
    }

    /// The same read without BerthSystem fails with EINTR: the test above could fail.
    @Test func rawReadIsInterrupted() throws {
        let result = try readInterruptedBySignals { fd in
            var buffer = [UInt8](repeating: 0, count: 16)
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            return count < 0 ? .failure(.current("read")) : .success(count)
        }
        #expect(result == .failure(SystemError("read", code: EINTR)), "\(result)")
    }

    /// Runs `read` on a thread of its own, blocked on an empty pipe, sends that thread SIGURG (no SA_RESTART) five
    /// times, then writes one byte; returns what `read` returned.
    private func readInterruptedBySignals(
        _ read: @escaping @Sendable (Int32) -> Result<Int, SystemError>
    ) throws -> Result<Int, SystemError> {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: the kernel returns EINTR
        var previous = sigaction()
        #expect(sigaction(SIGURG, &action, &previous) == 0)
        defer { sigaction(SIGURG, &previous, nil) }

        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        let reader = ReaderThread(fd: fds[0], read: read)
        reader.start()
        #expect(reader.waitUntilBlocked())
        for _ in 0..<5 {
            pthread_kill(reader.handle, SIGURG)
            usleep(20_000)
        }
        let byte: [UInt8] = [42]
        try System.writeAll(fds[1], byte)
        return reader.waitForResult()
    }

    @Test func unixAddressesAreCheckedNotTruncated() throws {
        let fd = try SocketAddresses.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue))
        defer { close(fd) }
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
        let long = "/tmp/" + String(repeating: "x", count: SocketAddresses.maxUnixPathBytes)
        #expect(throws: SystemError("socket path '\(long)'", code: ENAMETOOLONG)) {
            try SocketAddresses.connectUnix(fd, path: long)
        }
        #expect(throws: SystemError("socket path ''", code: EINVAL)) { try SocketAddresses.connectUnix(fd, path: "") }
        #expect(throws: SystemError("connect", code: ENOENT)) {
            try SocketAddresses.connectUnix(fd, path: "/tmp/berth-no-such-socket-\(getpid())")
        }
        #expect(throws: SystemError("IPv4 address 'localhost'", code: EINVAL)) {
            try SocketAddresses.withInet(host: "localhost", port: 80) { _, _ in }
        }
    }

    @Test func bindThenConnectOverAUnixSocket() throws {
        let path = NSTemporaryDirectory() + "berth-system-\(getpid()).sock"
        unlink(path)
        defer { unlink(path) }
        let server = try SocketAddresses.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue))
        defer { close(server) }
        try SocketAddresses.bindUnix(server, path: path)
        #expect(listen(server, 1) == 0)
        let client = try SocketAddresses.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue))
        defer { close(client) }
        try SocketAddresses.connectUnix(client, path: path)
    }

    @Test func accountLookups() throws {
        let root = try #require(try Accounts.user("root"))
        #expect(root.uid == 0 && root.gid == 0 && root.name == "root")
        #expect(try Accounts.user("0") == root)
        #expect(try Accounts.user(uid: 0) == root)
        #expect(try Accounts.user("berth-no-such-user") == nil)
        #expect(try Accounts.groupID("root") == 0)
        #expect(try Accounts.groupID("4242") == 4242)
        #expect(try Accounts.groupID("berth-no-such-group") == nil)
        #expect(Accounts.groups(of: "root", primary: 0).first == 0)
        let nobody = try #require(try Accounts.user("nobody"))
        #expect(nobody.uid == 65534)
    }
}

/// A thread blocked in a read of a pipe, so that a signal can be aimed at it.
private final class ReaderThread: @unchecked Sendable {
    let fd: Int32
    let read: @Sendable (Int32) -> Result<Int, SystemError>
    private(set) var handle = pthread_t()
    private let lock = NSCondition()
    private var started = false
    private var result: Result<Int, SystemError>?

    init(fd: Int32, read: @escaping @Sendable (Int32) -> Result<Int, SystemError>) {
        self.fd = fd
        self.read = read
    }

    func start() {
        let box = Unmanaged.passRetained(self)
        pthread_create(
            &handle, nil,
            { raw in
                let reader = Unmanaged<ReaderThread>.fromOpaque(raw!).takeRetainedValue()
                reader.run()
                return nil
            }, box.toOpaque())
    }

    private func run() {
        // Threads of the test runner may block signals; this one must receive SIGURG.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGURG)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        lock.withLock {
            started = true
            lock.broadcast()
        }
        let outcome = read(fd)
        lock.withLock {
            result = outcome
            lock.broadcast()
        }
    }

    func waitUntilBlocked() -> Bool {
        lock.withLock {
            while !started { lock.wait() }
        }
        usleep(50_000)  // into the read
        return true
    }

    func waitForResult() -> Result<Int, SystemError> {
        defer { pthread_join(handle, nil) }
        return lock.withLock {
            while result == nil { lock.wait() }
            return result!
        }
    }
}
