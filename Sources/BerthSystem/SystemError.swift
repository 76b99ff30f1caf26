#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed system call: its name and errno, with the C library's text. The one error type of the system-call layer,
/// so that every module words a failure the same way ("connect: Connection refused") and callers can still match the
/// errno (`error.code == ENOENT`).
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call that failed, as the C library names it ("connect", "getpwnam_r").
    public var call: String
    /// The errno it reported.
    public var code: Int32

    public init(_ call: String, code: Int32) {
        self.call = call
        self.code = code
    }

    /// The failure of `call` with the current errno.
    public static func current(_ call: String) -> SystemError {
        SystemError(call, code: Errno.current)
    }

    /// strerror's text of the code ("No such file or directory").
    public var message: String { Errno.message(code) }

    public var description: String { "\(call): \(message)" }
}

/// errno and its text.
public enum Errno {
    /// The calling thread's errno.
    public static var current: Int32 { errno }

    /// strerror's text for `code`; "error N" for a code the C library has no text for.
    public static func message(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
