import NIOCore

extension ChannelHandlerContext {
    /// Writes `data` (the frames of several writes in one buffer) and completes each of `promises` with the write's
    /// outcome, leaving the array empty: one channel write however many frames asked to be told.
    func write(_ data: NIOAny, completing promises: inout [EventLoopPromise<Void>]) {
        switch promises.count {
        case 0:
            write(data, promise: nil)
        case 1:
            write(data, promise: promises.removeFirst())
        default:
            let waiting = promises
            promises.removeAll(keepingCapacity: true)
            let written = eventLoop.makePromise(of: Void.self)
            written.futureResult.whenComplete { result in
                for promise in waiting { promise.completeWith(result) }
            }
            write(data, promise: written)
        }
    }
}
