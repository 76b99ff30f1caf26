import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Words for a failed connect to a replica, for the messages clients and the access log see: NIO's own
/// description of a `NIOConnectionError` is a Swift dump (`Connection errors: SingleConnectionFailure(target:
/// [IPv4]127.0.0.1/127.0.0.1:5, error: connection reset (error set): Connection refused (errno: 111))`).
enum ConnectFailure {
    static func describe(_ error: any Error) -> String {
        var error = error
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
            error = first.error
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        return "the connection failed"
    }
}
