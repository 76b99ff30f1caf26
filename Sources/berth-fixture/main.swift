import CBerthShim
import Glibc

// berth-fixture: a tiny HTTP server for integration tests, with switches for crashing, hanging and misbehaving.

let started = ContinuousClock.now
let config: FixtureConfig
do {
    config = try FixtureConfig.load(arguments: Array(CommandLine.arguments.dropFirst())) { name in
        getenv(name).map { String(cString: $0) }
    }
} catch let error as FixtureConfig.UsageError {
    Fixture.emit("berth-fixture: \(error.message)\n\(FixtureConfig.usage)", to: 2)
    exit(64)
}

signal(SIGPIPE, SIG_IGN)
if config.ignoreTerm {
    signal(SIGTERM, SIG_IGN)
} else {
    signal(SIGTERM) { _ in _exit(0) }
}
signal(SIGINT) { _ in _exit(0) }

if let text = config.stdoutText {
    Fixture.emit(text)
}
if let text = config.stderrText {
    Fixture.emit(text, to: 2)
}
if let count = config.flood {
    // As fast as the pipe takes them: the log benchmark's source.
    for line in 0..<count {
        Fixture.emit("flood line \(line) of \(count) pid=\(getpid()) ........................................")
    }
    Fixture.emit("flood done")
}
if let after = config.notifyReadyAfterMs {
    FixtureThread.start {
        Fixture.sleep(milliseconds: after)
        Fixture.emit("fixture: sending READY=1")
        Notify.send("READY=1\nSTATUS=ready after \(after) ms")
    }
}
if let every = config.watchdogEveryMs, every > 0 {
    let stopAfter = config.watchdogStopAfterMs
    FixtureThread.start {
        let begin = ContinuousClock.now
        while stopAfter.map({ ContinuousClock.now - begin < .milliseconds($0) }) ?? true {
            Notify.send("WATCHDOG=1")
            Fixture.sleep(milliseconds: every)
        }
        Fixture.emit("fixture: no more WATCHDOG=1")
    }
}
if let code = config.exitImmediately {
    exit(code)
}

var grandchildPID: Int32?
if config.grandchild {
    let pid = berth_fork_sleeper(config.grandchildSetsid ? 1 : 0, config.grandchildSleepMs)
    if pid > 0 {
        grandchildPID = pid
        Fixture.emit("grandchild pid=\(pid)")
    } else {
        Fixture.emit("berth-fixture: fork failed: errno \(errno)", to: 2)
    }
}

let fixture = Fixture(
    started: started,
    pid: getpid(),
    replica: getenv("BERTH_REPLICA").map { String(cString: $0) } ?? "",
    readyAfter: .milliseconds(config.readyAfterMs),
    healthFailAfter: config.healthFailAfterMs.map { .milliseconds($0) },
    grandchildPID: grandchildPID)

if let crashAfter = config.crashAfterMs {
    let code = config.exitCode
    FixtureThread.start {
        Fixture.sleep(milliseconds: crashAfter)
        Fixture.emit("fixture: crashing with exit code \(code)", to: 2)
        _exit(code)
    }
}

if let every = config.logEveryMs, every > 0 {
    FixtureThread.start {
        var tick = 0
        while true {
            Fixture.sleep(milliseconds: every)
            tick += 1
            Fixture.emit("tick \(tick) pid=\(getpid())")
        }
    }
}

if config.port > 0 {
    guard let (listener, port) = HTTPServer.listen(host: config.host, port: config.port) else {
        Fixture.emit("berth-fixture: cannot listen on \(config.host):\(config.port): errno \(errno)", to: 2)
        exit(3)
    }
    Fixture.emit("fixture listening on \(config.host):\(port) pid=\(getpid())")
    HTTPServer(fixture: fixture).acceptForever(listener)
} else {
    Fixture.emit("fixture running pid=\(getpid()) (no listener)")
    while true {
        pause()
    }
}
