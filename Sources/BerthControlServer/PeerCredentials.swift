import CBerthShim
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Who is on the other end of a control connection, as the kernel reports it (SO_PEERCRED): it cannot be forged
/// by the client, unlike anything sent over the socket.
struct PeerCredentials: Sendable, Equatable {
    var uid: UInt32
    var pid: Int32

    /// Reads the peer credentials of an accepted Unix-socket channel.
    ///
    /// NIO does not hand out the descriptor, so this asks the channel to run `getsockopt(SO_PEERCRED)` for us with
    /// `berth_ucred`, the C mirror of `struct ucred` (checked to have the same size in peercred.c).
    static func of(_ channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider, berth_so_peercred() >= 0 else {
            return channel.eventLoop.makeFailedFuture(PeerCredentialsUnavailable())
        }
        let future: EventLoopFuture<berth_ucred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET),
            name: SocketOptionName(berth_so_peercred())
        )
        return future.map { PeerCredentials(uid: $0.uid, pid: $0.pid) }
    }

    /// Whether this peer may use a daemon running for `allowedUID`: that user, or root.
    func isAllowed(allowedUID: UInt32) -> Bool {
        uid == allowedUID || uid == 0
    }
}

struct PeerCredentialsUnavailable: Error, CustomStringConvertible {
    var description: String { "cannot read the peer credentials of the control connection" }
}
