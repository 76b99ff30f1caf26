import BerthSystem
import Glibc

/// The blocking fallback for reading a child's exec report pipe, for when the output pump cannot take it.
enum ExecReport {
    /// Reads until EOF (the child exec'd or exited) or an error; at most `ReaderSink.reportLimit` bytes are kept.
    static func readToEnd(_ fd: Int32) -> [UInt8] {
        var report: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: ReaderSink.reportLimit)
        while report.count < ReaderSink.reportLimit {
            let got = chunk.withUnsafeMutableBytes { buffer in
                System.retrying { read(fd, buffer.baseAddress, buffer.count) }
            }
            guard got > 0 else { break }
            report += chunk[0..<min(got, ReaderSink.reportLimit - report.count)]
        }
        return report
    }
}
