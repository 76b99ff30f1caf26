/// Where berthd's own cgroups are, per controller: the cgroup v1 hierarchies mounted with the controllers berth
/// drives, and the cgroup v2 (unified) hierarchy with the controllers delegated to berthd's cgroup.
///
/// Parsed from `/proc/self/cgroup` and `/proc/self/mountinfo` (pure, tested with captured text); the v2
/// `cgroup.controllers` list is read by the caller. Replicas' cgroups are made under berthd's own, so that whatever
/// confines berthd (a container, a systemd unit) also confines them.
public struct CgroupLayout: Sendable, Equatable {
    /// v1: the directory of berthd's cgroup in each mounted controller berth drives.
    public var v1: [CgroupController: String]
    /// v2: the directory of berthd's cgroup in the unified hierarchy, when it is mounted.
    public var v2Directory: String?
    /// v2: the controllers available in berthd's cgroup (its `cgroup.controllers`).
    public var v2Controllers: Set<CgroupController>

    public init(
        v1: [CgroupController: String] = [:], v2Directory: String? = nil,
        v2Controllers: Set<CgroupController> = []
    ) {
        self.v1 = v1
        self.v2Directory = v2Directory
        self.v2Controllers = v2Controllers
    }

    /// The layout from the two files' text; `v2Controllers` is left empty (read `cgroup.controllers` of
    /// `v2Directory` and pass it to `withV2Controllers`).
    public static func parse(selfCgroup: String, mountinfo: String) -> CgroupLayout {
        // "ID:controller,controller:/path" (v1) or "0::/path" (v2).
        var ownV1: [String: String] = [:]
        var ownV2: String?
        for line in selfCgroup.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[1].isEmpty {
                ownV2 = String(parts[2])
            } else {
                for name in parts[1].split(separator: ",") { ownV1[String(name)] = String(parts[2]) }
            }
        }
        var layout = CgroupLayout()
        for line in mountinfo.split(separator: "\n") {
            // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS"
            let halves = line.split(separator: " - ", maxSplits: 1)
            guard halves.count == 2 else { continue }
            let head = halves[0].split(separator: " ")
            let tail = halves[1].split(separator: " ")
            guard head.count >= 5, tail.count >= 3 else { continue }
            let root = unescape(head[3])
            let mountPoint = unescape(head[4])
            switch tail[0] {
            case "cgroup2":
                if let own = ownV2, let directory = directory(mountPoint: mountPoint, root: root, own: own) {
                    layout.v2Directory = directory
                }
            case "cgroup":
                for option in tail[2].split(separator: ",") {
                    guard let controller = CgroupController(rawValue: String(option)), let own = ownV1[String(option)],
                        let directory = directory(mountPoint: mountPoint, root: root, own: own)
                    else { continue }
                    layout.v1[controller] = directory
                }
            default:
                continue
            }
        }
        return layout
    }

    /// The directory of `project`'s cgroups in each hierarchy (`<own>/berth/<project>`), whether made yet or not:
    /// what a daemon records in `state.json`, so that `berthd --clean-up` finds them after it was killed, from
    /// whatever cgroup `berth down` runs in (audit12).
    public func projectDirectories(project: String) -> [String] {
        Set(Array(v1.values) + (v2Directory.map { [$0] } ?? [])).map { "\($0)/berth/\(project)" }.sorted()
    }

    /// The layout with the v2 controllers read from `cgroup.controllers` ("cpuset cpu io memory pids").
    public func withV2Controllers(_ text: String) -> CgroupLayout {
        var layout = self
        layout.v2Controllers = Set(
            text.split(whereSeparator: \.isWhitespace).compactMap {
                CgroupController(rawValue: String($0))
            })
        return layout
    }

    /// Whether v2 is used: it is mounted and delegates every controller `needed` (a mixed set-up, some controllers
    /// in v1 and some in v2, is not used: a process is in one hierarchy's cgroup per controller anyway).
    public func usesV2(for needed: [CgroupController]) -> Bool {
        v2Directory != nil && !needed.isEmpty && needed.allSatisfy(v2Controllers.contains)
    }

    /// The controllers of `needed` that neither hierarchy offers.
    public func missing(_ needed: [CgroupController]) -> [CgroupController] {
        if usesV2(for: needed) { return [] }
        return needed.filter { v1[$0] == nil }
    }

    /// `own` below `root` as a path under `mountPoint`; nil when berthd's cgroup is not visible in this mount.
    static func directory(mountPoint: String, root: String, own: String) -> String? {
        let base = mountPoint.hasSuffix("/") ? String(mountPoint.dropLast()) : mountPoint
        if root == "/" { return own == "/" ? base : base + own }
        guard own == root || own.hasPrefix(root + "/") else { return nil }
        return base + own.dropFirst(root.count)
    }

    /// mountinfo escapes space, tab, newline and backslash as octal (`\040`).
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3,
                let value = UInt8(
                    String(
                        decoding: utf8.prefix(3),
                        as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
