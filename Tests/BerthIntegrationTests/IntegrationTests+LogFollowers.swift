import BerthControlClient
import BerthControlProtocol
import BerthTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue #13, finding 9, for real: a `/v1/logs?follow=1` client that stops reading while a replica prints 20,000
/// lines of 1 KB (20 MB). The daemon keeps at most 1 MiB for it and drops the rest with a marker line, instead of
/// buffering up to 10,000 entries (10 MB here, 640 MB with 64 KiB lines).
extension IntegrationTests {
    @Test("a stalled log follower gets a bounded number of lines and a marker for the dropped ones")
    func stalledLogFollowerIsBounded() async throws {
        try await withProject("stalled-follower") { project in
            let script = project.root + "/spam.sh"
            try project.write(
                """
                while [ ! -e "\(project.root)/go" ]; do sleep 0.05; done
                awk 'BEGIN { s = sprintf("%1000s", ""); gsub(/ /, "x", s); for (i = 0; i < 20000; i++) print i, s }'
                exec sleep 600
                """, to: script)
            try project.writeManifest(
                services: """
                      spam:
                        command: ["/bin/sh", "\(script)"]
                    """)
            #expect(try await project.upDetached().exitCode == 0)
            let stalled = try RawUnixStream(path: project.socket)
            try stalled.send("GET /v1/logs?service=spam&tail=0&follow=1 HTTP/1.1\r\nHost: berth\r\n\r\n")
            // The follower is registered once its response head arrives; then the replica starts printing.
            let head = try await onThread { try stalled.read(until: "\r\n\r\n") }
            #expect(head.hasPrefix("HTTP/1.1 200"), "\(head)")
            FileManager.default.createFile(atPath: project.root + "/go", contents: nil)
            let client = ControlClient(socketPath: project.socket)
            _ = try await eventually("the replica printed its 20,000 lines", timeout: .seconds(60)) {
                let last = try await onThread { () -> String in
                    var last = ""
                    try client.streamLogs(LogQuery(service: "spam", tail: 1)) { entry in
                        last = entry.line
                        return true
                    }
                    return last
                }
                return last.hasPrefix("19999 ") ? true : nil
            }
            // Now read what the stalled follower gets: until the last line.
            let text = try await onThread { try stalled.read(until: "\"19999 ") + stalled.read(until: "\n") }
            let lines = text.split(separator: "\n").filter { $0.contains("xxxxxxxxxx") }
            let markers = text.split(separator: "\n").filter { $0.contains("lines dropped: client too slow") }
            // Usually one marker; more when the follower's queue drained into the socket for a moment between two
            // drops (two under load in a full integration run, nine in a clean-clone CI run on a faster VM): each
            // counts its own, and together they account for every line not delivered. A marker per few lines would
            // mean the bound did not hold, hence the cap.
            #expect((1...50).contains(markers.count), "\(markers.count) markers: \(markers.prefix(3))")
            let counts = markers.compactMap { marker in
                marker.range(of: "… ").flatMap { Int(marker[$0.upperBound...].prefix { $0.isNumber }) }
            }
            #expect(counts.count == markers.count, "\(markers.prefix(3))")
            let dropped = counts.reduce(0, +)
            #expect(lines.count < 3000, "received \(lines.count) lines")
            print("stalled follower: received \(lines.count) lines, \(dropped) dropped in \(markers.count) marker(s)")
            #expect(dropped + lines.count == 20000, "dropped \(dropped), got \(lines.count)")
        }
    }
}

/// A raw, blocking `AF_UNIX` stream for a client that reads only when the test says so.
final class RawUnixStream: @unchecked Sendable {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { throw IntegrationFailure("connect \(path): errno \(errno)") }
    }

    deinit {
        close(fd)
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw IntegrationFailure("send: errno \(errno)") }
    }

    /// Everything up to and including `marker`.
    func read(until marker: String) throws -> String {
        let needle = Array(marker.utf8)
        var chunk = [UInt8](repeating: 0, count: 65536)
        var searchFrom = 0
        while true {
            if buffer.count >= needle.count {
                for start in searchFrom...(buffer.count - needle.count)
                where buffer[start..<(start + needle.count)].elementsEqual(needle) {
                    let text = String(decoding: buffer[0..<(start + needle.count)], as: UTF8.self)
                    buffer.removeFirst(start + needle.count)
                    return text
                }
                searchFrom = buffer.count - needle.count + 1
            }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw IntegrationFailure("read until \(marker): \(count) (errno \(errno))") }
            buffer += chunk[0..<count]
        }
    }
}
