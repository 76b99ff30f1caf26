import BerthControlProtocol
import NIOCore
import NIOHTTP1

/// Answers each request on an admin connection: `AdminAccess` first (Host, credential, `/login`), then the
/// dashboard's paths through the `DashboardRouter` (pages, JSON, Server-Sent Events, operations), everything else
/// through the `AdminRouter`. Bodies are bounded; NIO's pipeline handler keeps pipelined requests in order while an
/// answer is produced asynchronously.
final class AdminHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let maxBodyBytes = 64 * 1024

    private let router: AdminRouter
    private let dashboard: Dashboard?
    private let access: AdminAccess
    private let sessions: AdminSessions
    /// The port this connection reached: the Host a request names must carry it.
    private let listenerPort: Int
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false
    private var streamTask: Task<Void, Never>?

    init(router: AdminRouter, dashboard: Dashboard?, access: AdminAccess, sessions: AdminSessions, listenerPort: Int) {
        self.router = router
        self.dashboard = dashboard
        self.access = access
        self.sessions = sessions
        self.listenerPort = listenerPort
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
            tooLarge = false
        case .body(let chunk):
            if body.count + chunk.readableBytes > Self.maxBodyBytes {
                tooLarge = true
            } else {
                body += chunk.readableBytesView
            }
        case .end:
            guard let head else { return }
            self.head = nil
            if tooLarge {
                respond(context: context, to: head, AdminRouter.error(413, "the body exceeds 64 KiB"), close: true)
                return
            }
            handle(context: context, head: head)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        streamTask?.cancel()
        streamTask = nil
        context.fireChannelInactive()
    }

    private func handle(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let request = DashboardRequest(
            method: head.method.rawValue, target: head.uri, headers: head.headers.map { ($0.name, $0.value) },
            body: body)
        switch access.decide(request, listenerPort: listenerPort, session: sessions.isValid) {
        case .allow:
            break
        case .refuse(let response):
            respond(context: context, to: head, response)
            return
        case .login(let code):
            let response = AdminAccess.loginResponse(
                session: sessions.redeem(code), port: listenerPort, lifetime: sessions.sessionLifetime, secure: false)
            respond(context: context, to: head, response)
            return
        }
        let action = dashboard?.router.route(request) ?? .admin
        switch action {
        case .admin:
            respond(context: context, to: head, router.respond(method: head.method.rawValue, target: head.uri))
        case .respond(let response):
            respond(context: context, to: head, response)
        case .page:
            guard let dashboard else { return }
            var response = AdminRouter.Response(
                status: 200, contentType: "text/html; charset=utf-8", headers: [], body: dashboard.page)
            response.headers += [
                ("Content-Security-Policy", DashboardPage.contentSecurityPolicy),
                ("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer"),
                ("X-Content-Type-Options", "nosniff"),
            ]
            respond(context: context, to: head, response)
        case .asset(let name):
            respond(
                context: context, to: head,
                AdminRouter.Response(
                    status: 200, contentType: name.contentType, headers: [("X-Content-Type-Options", "nosniff")],
                    body: name.bytes))
        case .snapshot:
            guard let dashboard else { return }
            answerLater(context: context, head: head) {
                AdminRouter.Response(
                    status: 200, contentType: "application/json", headers: [], body: await dashboard.snapshot())
            }
        case .perform(let command):
            guard let dashboard else { return }
            answerLater(context: context, head: head) {
                do throws(ControlAPIError) {
                    let answer = try await dashboard.backend.perform(command)
                    return AdminRouter.Response(
                        status: 200, contentType: "application/json", headers: [], body: Dashboard.encode(answer))
                } catch {
                    return AdminRouter.error(error.status, error.message)
                }
            }
        case .events:
            guard let dashboard else { return }
            stream(context: context, head: head) { write in
                let events = dashboard.backend.events(tail: 0)
                guard await write(Dashboard.serverSentEvent("snapshot", await dashboard.snapshot())) else { return }
                for await event in events {
                    let update = DashboardUpdate(event: event, status: await dashboard.backend.status())
                    guard await write(Dashboard.serverSentEvent("update", Dashboard.encode(update))) else { return }
                }
            }
        case .logs(let query):
            guard let dashboard else { return }
            stream(context: context, head: head) { write in
                let lines: AsyncStream<LogEntry>
                do throws(ControlAPIError) {
                    lines = try await dashboard.backend.logs(query)
                } catch {
                    _ = await write(Dashboard.serverSentEvent("failure", Dashboard.encode(["error": error.message])))
                    return
                }
                for await entry in lines {
                    guard await write(Dashboard.serverSentEvent("log", Dashboard.encode(entry))) else { return }
                }
            }
        }
    }

    private func answerLater(
        context: ChannelHandlerContext, head: HTTPRequestHead,
        _ produce: @escaping @Sendable () async -> AdminRouter.Response
    ) {
        context.eventLoop.makeFutureWithTask { await produce() }.assumeIsolated().whenSuccess { response in
            self.respond(context: context, to: head, response)
        }
    }

    /// Writes a Server-Sent Events response; `produce` writes messages until it returns or a write fails (the
    /// client went away: the task is cancelled, which ends the `AsyncStream` it reads).
    private func stream(
        context: ChannelHandlerContext, head: HTTPRequestHead,
        _ produce: @escaping @Sendable (_ write: @Sendable ([UInt8]) async -> Bool) async -> Void
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/event-stream; charset=utf-8")
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "X-Accel-Buffering", value: "no")
        let responseHead = HTTPResponseHead(version: head.version, status: .ok, headers: headers)
        context.writeAndFlush(wrapOutboundOut(.head(responseHead)), promise: nil)
        let channel = context.channel
        streamTask = Task {
            await produce { bytes in
                guard !Task.isCancelled else { return false }
                let buffer = channel.allocator.buffer(bytes: bytes)
                do {
                    try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer))).get()
                    return true
                } catch {
                    return false
                }
            }
            if Task.isCancelled { return }
            try? await channel.writeAndFlush(HTTPServerResponsePart.end(nil)).get()
            try? await channel.close()
        }
    }

    private func respond(
        context: ChannelHandlerContext, to request: HTTPRequestHead, _ response: AdminRouter.Response,
        close: Bool = false
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Cache-Control", value: "no-store")
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        let keepAlive = request.isKeepAlive && !close
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(
            version: request.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if request.method != .HEAD {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))),
                promise: nil)
        }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
