public import ArgumentParser

#if canImport(Glibc)
    import Glibc
#endif

extension BerthCommand {
    /// `berth top`: every running replica's CPU, memory, descriptors and processes, redrawn each second.
    struct Top: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what each running replica uses (CPU, memory, descriptors), refreshed every second.",
            discussion: "q or Ctrl-C quits. Without a terminal (or with --once) prints one snapshot."
        )

        @OptionGroup var options: GlobalOptions

        @Option(help: "Sort by cpu or mem.")
        var sort: TopView.Order = .cpu

        @Flag(help: "Print one snapshot and exit.")
        var once = false

        func run() throws {
            let context = try ProjectContext.resolve(options, requireManifest: false)
            guard !once, Terminal.stdoutIsTTY, Terminal.isTTY(STDIN_FILENO) else {
                Terminal.out(TopView.render(try context.status(), order: sort))
                return
            }
            let keys = RawKeyboard()
            defer { keys.restore() }
            while true {
                let screen = TopView.render(try context.status(), order: sort, rows: Self.screenRows() - 4)
                Terminal.out("\u{1B}[H\u{1B}[2J" + screen.replacingNewlines())
                if let key = keys.next(waitingMilliseconds: 1000), key == UInt8(ascii: "q") || key == 3 { break }
            }
        }

        static func screenRows() -> Int {
            var size = winsize()
            guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 5 else { return 24 }
            return Int(size.ws_row)
        }
    }
}

extension TopView.Order: ExpressibleByArgument {}

extension String {
    /// In raw mode the terminal no longer turns "\n" into "\r\n".
    func replacingNewlines() -> String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
    }
}

/// The terminal in non-canonical mode without echo and without signals (Ctrl-C arrives as byte 3, so that the
/// terminal is always restored), until `restore`.
final class RawKeyboard {
    private var saved = termios()
    private let active: Bool

    init() {
        active = tcgetattr(STDIN_FILENO, &saved) == 0
        guard active else { return }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG)
        raw.c_oflag &= ~tcflag_t(OPOST)
        tcsetattr(STDIN_FILENO, TCSANOW, &raw)
    }

    /// The next key pressed within the wait, or nil.
    func next(waitingMilliseconds: Int32) -> UInt8? {
        var poller = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, waitingMilliseconds) == 1 else { return nil }
        var byte: UInt8 = 0
        return read(STDIN_FILENO, &byte, 1) == 1 ? byte : nil
    }

    func restore() {
        if active { tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
    }
}
