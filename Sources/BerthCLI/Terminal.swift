#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writing to the terminal: whole lines straight to the descriptors (no stdio buffering, so a follower of a pipe
/// sees each line at once and lines from several threads never interleave mid-line), and TTY detection.
enum Terminal {
    static func isTTY(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

    static var stdoutIsTTY: Bool { isTTY(STDOUT_FILENO) }

    /// Writes `text` to stdout, no newline added.
    static func out(_ text: String) {
        write(STDOUT_FILENO, text)
    }

    /// Writes `text` plus a newline to stdout.
    static func line(_ text: String) {
        write(STDOUT_FILENO, text + "\n")
    }

    /// Writes `text` plus a newline to stderr.
    static func error(_ text: String) {
        write(STDERR_FILENO, text + "\n")
    }

    /// Redraws the current terminal line (a progress indicator).
    static func redraw(_ text: String) {
        out("\r\u{1B}[2K" + text)
    }

    private static func write(_ descriptor: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { buffer in
                #if canImport(Glibc)
                    Glibc.write(descriptor, buffer.baseAddress, buffer.count)
                #else
                    Darwin.write(descriptor, buffer.baseAddress, buffer.count)
                #endif
            }
            if written < 0 {
                if errno == EINTR { continue }
                return  // EPIPE and friends: the reader went away; nothing sensible to report it on.
            }
            bytes = bytes.dropFirst(written)
        }
    }
}
