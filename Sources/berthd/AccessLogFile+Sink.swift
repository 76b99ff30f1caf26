import BerthGateway
import BerthLogging
import NIOCore

/// The gateway's batches of access-log lines go to the file in the state directory.
struct AccessLogFileSink: AccessLogSink {
    let file: AccessLogFile

    func write(_ lines: ByteBuffer) {
        lines.withUnsafeReadableBytes { file.write($0) }
    }

    func close() {
        file.close()
    }
}
