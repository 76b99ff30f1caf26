import Glibc

/// The zones schedules run in, read from the system's tz database (`/usr/share/zoneinfo`, or `$TZDIR`).
///
/// berthd links only FoundationEssentials (issue 16: full Foundation cost it megabytes of RSS), whose `TimeZone`
/// knows names only through ICU (FoundationInternationalization and its zone data, more megabytes): the TZif files
/// are read directly instead (`TZifZone`). UTC (the default, and every `every:` schedule) needs no file.
public enum SystemZones {
    /// UTC, without the tz database.
    public static let utc: any UTCOffsets = FixedOffset(seconds: 0)

    /// The zone named `identifier` in the system's tz database (`UTC` needs none), nil if there is no such zone.
    public static func named(_ identifier: String) -> (any UTCOffsets)? {
        if identifier == "UTC" { return utc }
        guard isPlausibleName(identifier) else { return nil }
        let folder = getenv("TZDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        guard let bytes = readFile((folder ?? "/usr/share/zoneinfo") + "/" + identifier) else { return nil }
        return TZifZone(bytes: bytes)
    }

    /// An IANA name (`Europe/Berlin`, `America/Argentina/Buenos_Aires`, `Etc/GMT+5`): nothing that leaves the folder.
    static func isPlausibleName(_ identifier: String) -> Bool {
        guard !identifier.isEmpty, identifier.utf8.count <= 255, !identifier.hasPrefix("/") else { return false }
        let parts = identifier.split(separator: "/", omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            !part.isEmpty && part != "." && part != ".."
                && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-+".contains($0)) }
        }
    }

    /// A small regular file's bytes (a TZif file is a few kB), nil when it cannot be read.
    private static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size < 1 << 20 else { return nil }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return bytes }
            bytes += buffer[..<count]
        }
    }
}

/// A zone whose offset never changes.
struct FixedOffset: UTCOffsets {
    let seconds: Int

    func secondsFromGMT(atEpochSeconds _: Int64) -> Int { seconds }
}
