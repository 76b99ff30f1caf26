/// The `<N>` syslog prefix a line may start with (as `sd-daemon.h`'s `SD_ERR` etc. produce): systemd strips it and
/// uses N (0-7) as the line's priority. Anything else (`<8>`, `<12>`, `<x>`, no `>`) is not a prefix and stays.
public enum PriorityPrefix {
    /// The priority and the line without its prefix, or `fallback` and the line unchanged.
    public static func split(_ line: String, fallback: Int) -> (priority: Int, message: String) {
        let utf8 = line.utf8
        guard utf8.count >= 3 else { return (fallback, line) }
        var index = utf8.startIndex
        guard utf8[index] == UInt8(ascii: "<") else { return (fallback, line) }
        index = utf8.index(after: index)
        let digit = utf8[index]
        guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else { return (fallback, line) }
        index = utf8.index(after: index)
        guard utf8[index] == UInt8(ascii: ">") else { return (fallback, line) }
        index = utf8.index(after: index)
        return (Int(digit - UInt8(ascii: "0")), String(line[index...]))
    }
}
