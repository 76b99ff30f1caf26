import BerthSystem
import Glibc

/// berthd's own code and read-only data: what start-up alone used is dropped (issue 16: RSS with 100 children).
///
/// Start-up (argument parsing, `berth resolve`, its JSON) touches code the running daemon never runs again, and the
/// kernel reads ahead around every fault. Called twice: once start-up is done, and once every service first
/// reached its target (spawning the replicas and the clients' readiness polls are over). With 100 children and
/// libsystemd no longer loaded at start: 22.0 -> 13.4 MB idle, 19.0 MB after a `berth status` and a restart. `MADV_RANDOM` stops the read-ahead for berthd's clean read-only mappings and
/// `MADV_DONTNEED` drops their pages: those the daemon uses come back from the page cache (clean, shared: no I/O, no
/// copy). Measured with 100 children: -0.9 MB (22.8 -> 21.9 MB). The kernel still maps 64 kB around each fault
/// (fault-around ignores `MADV_RANDOM`), so most of the 11.6 MB of `.text` stays. Only mappings without anonymous
/// pages qualify: the RELRO segment is read-only too, but its pages were relocated at start, and dropping them
/// would bring back the file's unrelocated bytes.
enum ExecutablePages {
    static func keepOnlyWhatIsUsed() {
        guard let smaps = readFile("/proc/self/smaps"), let executable = System.executablePath() else { return }
        // Each mapping: its header line, then `Key: value` lines; only clean ones qualify (`Anonymous: 0 kB`): the
        // RELRO segment is read-only too, but its pages were relocated at start and must never be dropped. Of the
        // ~1,700 lines only headers and `Anonymous:` lines are split: this runs inside the idle window after start-up
        // (issue 16's idle CPU), and splitting every line was a fifth of that window's CPU.
        var candidate: (start: UnsafeMutableRawPointer, length: Int)?
        for line in smaps.utf8.split(separator: UInt8(ascii: "\n")) {
            guard let first = line.first else { continue }
            if isHexDigit(first) {
                candidate = nil
                let fields = Substring(line).split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count >= 6, fields[5] == executable, fields[1].hasPrefix("r"), !fields[1].contains("w")
                else { continue }
                let bounds = fields[0].split(separator: "-").compactMap { UInt(String($0), radix: 16) }
                guard bounds.count == 2, bounds[1] > bounds[0],
                    let start = UnsafeMutableRawPointer(bitPattern: bounds[0])
                else { continue }
                candidate = (start, Int(bounds[1] - bounds[0]))
            } else if let mapping = candidate, line.starts(with: "Anonymous:".utf8) {
                candidate = nil
                let fields = Substring(line).split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count >= 2, fields[1] == "0" else { continue }
                _ = madvise(mapping.start, mapping.length, MADV_RANDOM)
                _ = madvise(mapping.start, mapping.length, MADV_DONTNEED)
            }
        }
    }

    /// A mapping's header line starts with its address (lowercase hex); the `Key: value` lines with a capital.
    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    private static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += buffer[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
