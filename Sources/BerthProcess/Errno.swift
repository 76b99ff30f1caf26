import Glibc

/// errno helpers shared by the module.
enum Errno {
    static var current: Int32 { errno }

    static func message(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    /// Runs a system call, retrying on EINTR; returns the result (negative on error, errno preserved).
    @discardableResult
    static func retrying<T: SignedInteger>(_ call: () -> T) -> T {
        while true {
            let result = call()
            if result >= 0 || errno != EINTR { return result }
        }
    }
}
