/// Frames a call holds in order: those waiting for its replica's stream to open, and those kept for a replay. Most
/// calls hold one or two (a request's HEADERS; a unary gRPC call's HEADERS and DATA), kept inline: as two arrays,
/// each call allocated and freed both (bench/h2-profile.sh: ~1.3k of the ~43k instructions per request).
struct CallFrameQueue: Sequence {
    private var first: CallFrame?
    private var second: CallFrame?
    /// The frames after the first two.
    private var more: [CallFrame] = []

    init() {}

    var isEmpty: Bool { first == nil }

    mutating func append(_ frame: CallFrame) {
        if first == nil {
            first = frame
        } else if second == nil {
            second = frame
        } else {
            more.append(frame)
        }
    }

    /// The frames, leaving this queue empty.
    mutating func take() -> CallFrameQueue {
        var taken = CallFrameQueue()
        swap(&taken, &self)
        return taken
    }

    /// This queue's frames, then `other`'s.
    static func + (lhs: CallFrameQueue, rhs: CallFrameQueue) -> CallFrameQueue {
        var joined = lhs
        for frame in rhs { joined.append(frame) }
        return joined
    }

    struct Iterator: IteratorProtocol {
        let queue: CallFrameQueue
        var index = 0

        mutating func next() -> CallFrame? {
            defer { index += 1 }
            switch index {
            case 0: return queue.first
            case 1: return queue.second
            default: return index - 2 < queue.more.count ? queue.more[index - 2] : nil
            }
        }
    }

    func makeIterator() -> Iterator { Iterator(queue: self) }
}
