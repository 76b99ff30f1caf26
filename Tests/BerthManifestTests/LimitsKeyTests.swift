import BerthManifest
import BerthManifestYAML
import BerthResources
import Testing

/// `limits: { memory, cpu, pids, open_files, core }`: sizes with units, positioned errors, and the warning for a
/// limit the machine will not enforce.
@Suite struct LimitsKeyTests {
    func limits(_ body: String) throws -> LimitsSpec {
        let yaml = "services:\n  web:\n    command: a\n    limits: \(body)\n"
        return try ManifestLoader.parse(yaml: yaml, file: manifestFile, environment: [:]).services["web"]!.limits
    }

    @Test func everyKey() throws {
        let spec = try limits("{ memory: 512M, cpu: 0.5, pids: 100, open_files: 1024, core: 0 }")
        #expect(spec == LimitsSpec(memoryBytes: 512 << 20, cpuCores: 0.5, pids: 100, openFiles: 1024, coreBytes: 0))
        #expect(spec.controllers == [.memory, .cpu, .pids])
    }

    @Test(arguments: [
        ("1048576", 1 << 20), ("1024K", 1 << 20), ("1Mi", 1 << 20), ("1.5G", 3 << 29), ("2Gi", 2 << 30),
        ("64m", 64 << 20), ("1T", 1 << 40),
    ])
    func memoryUnits(_ text: String, _ bytes: Int) throws {
        #expect(try limits("{ memory: \(text) }").memoryBytes == bytes)
    }

    @Test func noLimitsByDefault() throws {
        let manifest = try ManifestLoader.parse(
            yaml: "services:\n  web: { command: a }\n", file: manifestFile,
            environment: [:])
        #expect(manifest.services["web"]!.limits == LimitsSpec())
        #expect(manifest.limitWarnings(CgroupSupport(layout: CgroupLayout(), isRoot: false)).isEmpty)
    }

    @Test func badSizeIsPositioned() {
        expectError(
            "services:\n  web:\n    command: a\n    limits: { memory: 512MB }\n",
            "'memory': '512MB' is not a size; use a number of bytes or one with a unit K, M, G, T (powers of 1024; "
                + "Ki, Mi, Gi, Ti also), e.g. 512M", line: 4, column: 23)
    }

    @Test func tooLittleMemory() {
        expectError(
            "services:\n  web:\n    command: a\n    limits: { memory: 100K }\n",
            "'memory' must be at least 1M (no program starts in less), got '100K'", line: 4, column: 23)
    }

    @Test func badCPU() {
        expectError(
            "services:\n  web:\n    command: a\n    limits: { cpu: half }\n",
            "'cpu' must be a number of cores from 0.01 to 8192 (0.5 = half of one core), got 'half'", line: 4,
            column: 20)
        expectError(
            "services:\n  web:\n    command: a\n    limits: { cpu: 0 }\n",
            "'cpu' must be a number of cores from 0.01 to 8192 (0.5 = half of one core), got '0'", line: 4, column: 20)
    }

    /// audit3: `cpu: 1e300` and `cpu: 1e15` loaded; berthd then trapped converting the CFS quota to an Int at the
    /// replica's spawn, and `berth export systemd|kubernetes` trapped on CPUQuota= / millicores. `pids` above the
    /// kernel's PID_MAX_LIMIT loaded too, and the kernel refused `pids.max`, so the replica ran unlimited.
    @Test func hugeCPUAndPidsAreRefused() throws {
        for text in ["1e300", "1e15", "8193", "0x10"] {
            expectError(
                "services:\n  web:\n    command: a\n    limits: { cpu: \(text) }\n",
                "'cpu' must be a number of cores from 0.01 to 8192 (0.5 = half of one core), got '\(text)'",
                line: 4, column: 20)
        }
        #expect(try limits("{ cpu: 8192 }").cpuCores == 8192)
        #expect(try limits("{ cpu: 5e-1 }").cpuCores == 0.5)
        expectError(
            "services:\n  web:\n    command: a\n    limits: { pids: 4194305 }\n",
            "'pids' must be at most 4194304 (the kernel's largest process count), got 4194305", line: 4, column: 21)
        #expect(try limits("{ pids: 4194304 }").pids == 4_194_304)
    }

    @Test func badCounts() {
        expectError(
            "services:\n  web:\n    command: a\n    limits: { pids: 0 }\n", "'pids' must be >= 1, got 0",
            line: 4, column: 21)
        expectError(
            "services:\n  web:\n    command: a\n    limits: { open_files: many }\n",
            "'open_files' must be an integer, got 'many'", line: 4, column: 27)
    }

    @Test func unknownKey() {
        expectError(
            "services:\n  web:\n    command: a\n    limits: { memroy: 1G }\n",
            "unknown key 'memroy' in 'limits' of service 'web'; did you mean 'memory'?", line: 4, column: 15)
    }

    @Test func unenforcedLimitsAreWarnedAtTheirKey() throws {
        let yaml =
            "services:\n  web:\n    command: a\n    limits:\n      memory: 64M\n      pids: 10\n"
            + "      open_files: 64\n"
        let manifest = try ManifestLoader.parse(yaml: yaml, file: manifestFile, environment: [:])
        let notRoot = manifest.limitWarnings(CgroupSupport(layout: CgroupLayout(v1: [.memory: "/x"]), isRoot: false))
        #expect(
            notRoot.map(\.description) == [
                "/srv/shop/berth.yaml:5:7: warning: limits.memory of service 'web' is not enforced on this machine: "
                    + "berthd is not root, and only root can create cgroups",
                "/srv/shop/berth.yaml:6:7: warning: limits.pids of service 'web' is not enforced on this machine: "
                    + "berthd is not root, and only root can create cgroups",
            ])
        let noPids = manifest.limitWarnings(CgroupSupport(layout: CgroupLayout(v1: [.memory: "/x"]), isRoot: true))
        #expect(
            noPids.map(\.message) == [
                "limits.pids of service 'web' is not enforced on this machine: no cgroup 'pids' controller is mounted "
                    + "(v1) or delegated (v2)"
            ])
    }

    /// audit3: `open_files` above fs.nr_open (root) or berthd's hard limit (not root), or `core` above the hard
    /// limit, loaded without a word; every start then failed with "setrlimit ... Operation not permitted".
    @Test func rlimitsAboveTheCeilingAreWarnedAbout() throws {
        let yaml = "services:\n  web:\n    command: a\n    limits:\n      open_files: 2000000\n      core: 1G\n"
        let manifest = try ManifestLoader.parse(yaml: yaml, file: manifestFile, environment: [:])
        let root = CgroupSupport(layout: CgroupLayout(), isRoot: true, openFilesCeiling: 1_048_576)
        #expect(
            manifest.limitWarnings(root).map(\.description) == [
                "/srv/shop/berth.yaml:5:7: warning: limits.open_files of service 'web' is not enforced on this "
                    + "machine: 2000000 is above the kernel's most (fs.nr_open = 1048576), so its replicas cannot start"
            ])
        let user = CgroupSupport(layout: CgroupLayout(), isRoot: false, openFilesCeiling: 4096, coreCeiling: 0)
        #expect(
            manifest.limitWarnings(user).map(\.message) == [
                "limits.open_files of service 'web' is not enforced on this machine: 2000000 is above berthd's hard "
                    + "limit (ulimit -Hn = 4096), so its replicas cannot start",
                "limits.core of service 'web' is not enforced on this machine: it is above berthd's hard limit "
                    + "(0 bytes), so its replicas cannot start",
            ])
        let roomy = CgroupSupport(layout: CgroupLayout(), isRoot: true, openFilesCeiling: 2_000_000)
        #expect(manifest.limitWarnings(roomy).isEmpty)
    }

    /// audit3: with BERTH_NO_CGROUPS=1 the reason said no controller was mounted, and `check` / `up` (which did not
    /// read the variable) said nothing at all.
    @Test func noCgroupsByChoiceIsSaidAsSuch() throws {
        let yaml = "services:\n  web:\n    command: a\n    limits: { memory: 64M }\n"
        let manifest = try ManifestLoader.parse(yaml: yaml, file: manifestFile, environment: [:])
        let support = CgroupSupport.current(environment: ["BERTH_NO_CGROUPS": "1"])
        #expect(support.disabled)
        #expect(
            manifest.limitWarnings(support).map(\.message) == [
                "limits.memory of service 'web' is not enforced on this machine: BERTH_NO_CGROUPS=1 tells berthd to "
                    + "make no cgroups"
            ])
        #expect(!CgroupSupport.current(environment: [:]).disabled)
    }

    @Test func changedLimitsRestartTheService() throws {
        let before = try ManifestLoader.parse(
            yaml: "services:\n  web: { command: a }\n", file: manifestFile,
            environment: [:])
        let after = try ManifestLoader.parse(
            yaml: "services:\n  web: { command: a, limits: { memory: 1G } }\n",
            file: manifestFile, environment: [:])
        #expect(ManifestDiff(from: before, to: after).changed["web"] == ["limits"])
    }
}

/// audit3: the memory_soft event said `uses 46172K` (exact, in K); a measurement is now given to one decimal.
@Suite struct ApproximateSizeTests {
    @Test(arguments: [
        (46_172 << 10, "45.1M"), (812 << 10, "812K"), (3 << 29, "1.5G"), (500, "500B"), (64 << 20, "64M"),
        ((1 << 30) - 1, "1024M"),
    ])
    func readable(_ bytes: Int, _ text: String) {
        #expect(ByteSizeText.approximate(bytes) == text)
    }
}

/// `limits.memory_soft`: below `memory`, at least 1M.
@Suite struct MemorySoftKeyTests {
    @Test func belowTheHardLimit() throws {
        let yaml = "services:\n  web:\n    command: a\n    limits: { memory: 512M, memory_soft: 400M }\n"
        let limits = try ManifestLoader.parse(yaml: yaml, file: manifestFile, environment: [:]).services["web"]!.limits
        #expect(limits.memorySoftBytes == 400 << 20)
        #expect(limits.controllers == [.memory])
    }

    @Test func aloneNeedsNoCgroup() throws {
        let yaml = "services:\n  web:\n    command: a\n    limits: { memory_soft: 1G }\n"
        let manifest = try ManifestLoader.parse(yaml: yaml, file: manifestFile, environment: [:])
        #expect(manifest.services["web"]!.limits.controllers.isEmpty)
        #expect(manifest.limitWarnings(CgroupSupport(layout: CgroupLayout(), isRoot: false)).isEmpty)
    }

    @Test func notAtOrAboveTheHardLimit() {
        expectError(
            "services:\n  web:\n    command: a\n    limits: { memory: 512M, memory_soft: 512M }\n",
            "'memory_soft' (512M) must be below 'memory' (512M): the replacement has to start before the kernel "
                + "kills", line: 4, column: 42)
    }
}
