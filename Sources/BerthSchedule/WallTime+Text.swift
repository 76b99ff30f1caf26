extension WallTime {
    /// RFC 3339 in UTC with seconds (`2026-03-29T01:00:00Z`): how status and events show schedule times.
    public var rfc3339: String {
        let seconds = self.seconds
        let date = CivilDate(dayNumber: floorDivide(seconds, 86_400))
        let inDay = seconds - floorDivide(seconds, 86_400) * 86_400
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(date.year)-\(two(Int64(date.month)))-\(two(Int64(date.day)))T\(two(inDay / 3600)):"
            + "\(two(inDay % 3600 / 60)):\(two(inDay % 60))Z"
    }
}
