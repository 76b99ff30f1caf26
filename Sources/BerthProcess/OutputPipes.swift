import BerthSystem
import CBerthShim
import Glibc

/// The two close-on-exec pipes that carry a child's stdout and stderr to the pump.
struct OutputPipes {
    var stdoutRead: Int32
    var stdoutWrite: Int32
    var stderrRead: Int32
    var stderrWrite: Int32

    static func make() throws(SpawnError) -> OutputPipes {
        var out: [Int32] = [-1, -1]
        var err: [Int32] = [-1, -1]
        guard berth_pipe_cloexec(&out) == 0 else { throw .systemCall("pipe2", errno: Errno.current) }
        guard berth_pipe_cloexec(&err) == 0 else {
            let code = Errno.current
            close(out[0])
            close(out[1])
            throw .systemCall("pipe2", errno: code)
        }
        return OutputPipes(stdoutRead: out[0], stdoutWrite: out[1], stderrRead: err[0], stderrWrite: err[1])
    }

    func closeWriteEnds() {
        close(stdoutWrite)
        close(stderrWrite)
    }

    func closeReadEnds() {
        close(stdoutRead)
        close(stderrRead)
    }
}
