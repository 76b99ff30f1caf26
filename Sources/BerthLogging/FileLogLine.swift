#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The file driver's format: one JSON object per line with `time`, `priority`, `service`, `replica`, `pid`,
/// `message` (and `event` for the daemon's events). Encoded by hand because it runs for every line.
public enum FileLogLine {
    public static func encode(_ record: LogRecord) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(record.message.utf8.count + 112)
        out.append(contentsOf: #"{"time":"#.utf8)
        appendTime(record.time, to: &out)
        out.append(contentsOf: #","priority":"#.utf8)
        out.append(contentsOf: String(record.priority).utf8)
        out.append(contentsOf: #","service":"#.utf8)
        appendString(record.service, to: &out)
        out.append(contentsOf: #","replica":"#.utf8)
        out.append(contentsOf: String(record.replica).utf8)
        out.append(contentsOf: #","pid":"#.utf8)
        out.append(contentsOf: String(record.pid).utf8)
        out.append(contentsOf: #","message":"#.utf8)
        appendString(record.message, to: &out)
        if let event = record.event {
            out.append(contentsOf: #","event":"#.utf8)
            appendString(event, to: &out)
        }
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    /// Seconds with 6 decimals (microseconds), without Foundation's slow `String(format:)`.
    static func appendTime(_ time: Double, to out: inout [UInt8]) {
        let micros = Int64((max(0, time) * 1_000_000).rounded())
        out.append(contentsOf: String(micros / 1_000_000).utf8)
        out.append(UInt8(ascii: "."))
        let fraction = String(micros % 1_000_000)
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 6 - fraction.utf8.count))
        out.append(contentsOf: fraction.utf8)
    }

    private struct Decoded: Decodable {
        var time: Double
        var priority: Int
        var service: String
        var replica: Int
        var pid: Int32
        var message: String
        var event: String?
    }

    /// One line of a log file (without its newline); nil when it is not one of ours (e.g. cut by a crash).
    public static func decode(_ line: some Collection<UInt8>, project: String) -> LogRecord? {
        guard let decoded = try? JSONDecoder().decode(Decoded.self, from: Data(line)) else { return nil }
        return LogRecord(
            time: decoded.time, priority: decoded.priority, project: project, service: decoded.service,
            replica: decoded.replica, pid: decoded.pid, message: decoded.message, event: decoded.event
        )
    }

    private static let hex = Array("0123456789abcdef".utf8)

    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20, 0x7F:
                out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
