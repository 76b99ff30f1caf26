import BerthProcess
import Glibc
import Testing

@Suite("Spawn failures are typed and distinct from crashes")
struct SpawnErrorTests {
    private func spawnError(_ request: SpawnRequest) -> SpawnError? {
        do {
            let pid = try launcher.spawn(request, onOutput: { _ in }, onExit: { _ in })
            _ = launcher.signalGroup(pid, SIGKILL)
            return nil
        } catch {
            return error
        }
    }

    @Test func missingProgramOnPath() {
        let error = spawnError(request(["berth-no-such-program"]))
        #expect(error == .executableNotFound("berth-no-such-program"))
        #expect(error?.description == "executable not found: 'berth-no-such-program'")
    }

    @Test func missingAbsolutePathIsReportedByExec() {
        let missing = "/nonexistent/berth-program"
        #expect(spawnError(request([missing])) == .executableNotFound(missing))
    }

    @Test func nonExecutableFileIsPermissionDenied() {
        let directory = makeTemporaryDirectory()
        defer {
            _ = unlink(directory + "/script")
            _ = rmdir(directory)
        }
        writeFile(directory + "/script", "#!/bin/sh\necho hi\n", mode: 0o644)
        #expect(spawnError(request([directory + "/script"])) == .permissionDenied(directory + "/script"))
        let onPath = ["PATH": directory]
        #expect(spawnError(request(["script"], environment: onPath)) == .permissionDenied(directory + "/script"))
    }

    @Test func directoryIsPermissionDenied() {
        #expect(spawnError(request(["/tmp"])) == .permissionDenied("/tmp"))
    }

    @Test func missingRelativePathIsCheckedAgainstTheWorkingDirectory() {
        #expect(
            spawnError(request(["./berth-no-such-program"], workingDirectory: "/usr/bin"))
                == .executableNotFound("./berth-no-such-program"))
        #expect(
            spawnError(request(["./berth-no-such-program"], workingDirectory: "/nonexistent/workdir"))
                == .workingDirectoryMissing("/nonexistent/workdir"))
    }

    @Test func missingWorkingDirectory() {
        let error = spawnError(request(["/bin/true"], workingDirectory: "/nonexistent/workdir"))
        #expect(error == .workingDirectoryMissing("/nonexistent/workdir"))
        #expect(error?.description == "working directory does not exist: '/nonexistent/workdir'")
        let notADirectory = spawnError(request(["/bin/true"], workingDirectory: "/bin/true"))
        #expect(notADirectory == .workingDirectoryMissing("/bin/true"))
    }

    @Test func unknownUserAndGroup() {
        #expect(spawnError(request(["/bin/true"], user: "berth-no-such-user")) == .unknownUser("berth-no-such-user"))
        #expect(spawnError(request(["/bin/true"], group: "berth-no-such-grp")) == .unknownGroup("berth-no-such-grp"))
    }

    @Test func emptyArgumentsAreRejected() {
        #expect(spawnError(request([])) == .executableNotFound(""))
    }

    @Test func failedSpawnsAreNotRegistered() throws {
        let own = try ProcessLauncher()
        for _ in 0..<10 {
            #expect(throws: SpawnError.executableNotFound("/nonexistent/berth-program")) {
                _ = try own.spawn(request(["/nonexistent/berth-program"]), onOutput: { _ in }, onExit: { _ in })
            }
        }
        #expect(own.runningChildren == 0)
    }
}
