/// Why the daemon could not start.
struct DaemonError: Error, CustomStringConvertible {
    var description: String
}
