/// Which driver a daemon uses, and which one `berth logs` reads: `auto` means journald when a journald listens
/// (checked by connecting to its socket), else files.
public enum LogDriverChoice: String, Sendable, Equatable {
    case journald
    case file

    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// `setting` is the manifest's `log.driver` (`auto`, `journald` or `file`).
    public static func resolve(
        _ setting: String, journalLive: Bool = JournalSocket.isLive()
    ) throws(Unavailable) -> LogDriverChoice {
        switch setting {
        case "journald":
            guard journalLive else {
                throw Unavailable(
                    description: "log.driver is journald, but no journald listens on "
                        + "\(JournalSocket.path); use driver: file or auto")
            }
            return .journald
        case "file":
            return .file
        default:
            return journalLive ? .journald : .file
        }
    }

    /// The driver that writes this choice.
    public func makeDriver(logDirectory: String) throws(LogDriverError) -> any LogDriver {
        switch self {
        case .journald: FallbackLogDriver(primary: JournalDriver(), directory: logDirectory)
        case .file: try FileLogDriver(directory: logDirectory)
        }
    }

    /// The reader `berth logs` uses for this choice.
    public func makeSource(logDirectory: String) throws(LogDriverError) -> any LogSource {
        switch self {
        case .journald: try JournalReader()
        case .file: FileLogReader(directory: logDirectory)
        }
    }
}
