/// One service at run time, as a pure state machine: whether it should run, how many replicas it wants, its slots
/// (each with its `ReplicaMachine`), the holds users put on replicas, the start-order conditions it reached, and the
/// rollout in progress.
///
/// Events in (a command, a replica's event, a rollout's), `ServiceMachine.Action`s out: the supervisor carries them
/// out and feeds the answers back as events, through one queue. Nothing here touches processes or clocks, so
/// resizing, holds, dependency conditions and rollouts are unit-tested with explicit instants.
public struct ServiceMachine<Revision: ReplicaTemplate>: Sendable {
    public typealias Instant = ContinuousClock.Instant

    /// Whether the service should run. One enum instead of `enabled`/`active`/`removed` flags that could disagree.
    public enum State: Sendable, Equatable {
        /// Not wanted (never started, `berth stop`, `berth down`).
        case stopped
        /// Wanted, but its dependencies have not reached their conditions yet.
        case waiting
        /// Wanted and started: its slots follow `desired`.
        case active
        /// Gone from the manifest (`berth reload`): dropped once all its replicas are at rest.
        case removed
    }

    /// What a slot is to its replica index.
    public enum Role: Sendable, Equatable {
        /// Serves its index.
        case serving
        /// Serves its index, but the index is beyond `desired`: removed once at rest (or serving again if the
        /// service is scaled back up before that).
        case scaledAway
        /// A rollout's replacement that does not serve its index yet.
        case incoming
        /// Replaced by a rollout (or a replacement abandoned): stopping, then removed.
        case retired
        /// Runs an overlapping run of a scheduled job (`concurrency: allow`) at an index beyond `desired`: not counted
        /// among the serving replicas; kept at rest between runs (with its last exit, for status) to be reused.
        case extraRun

        /// Leaves the service once at rest.
        public var isLeaving: Bool {
            switch self {
            case .scaledAway, .retired: true
            case .serving, .incoming, .extraRun: false
            }
        }
    }

    /// Whether the user stopped the replica on its own (`berth stop web.1`).
    public enum Hold: Sendable, Equatable {
        case none
        /// Stays stopped, skipped by resizing and rollouts, until the replica or its service is started again.
        /// Not kept across a daemon restart (the manifest is the truth then).
        case stoppedByUser
    }

    /// One replica slot: its state machine plus what the supervisor keeps beside it.
    public struct Slot: Sendable {
        /// Unique within the service: the old and the new process of one replica index are told apart by it.
        public let id: Int
        /// The replica index users see (`service.N`, `BERTH_REPLICA`): a replacement takes its predecessor's.
        public let index: Int
        public internal(set) var role: Role
        public internal(set) var hold: Hold = .none
        public internal(set) var machine: ReplicaMachine
        /// The spec its process runs.
        public var revision: Revision
        /// Kept across restarts (`port: auto` picks it once, at the first spawn; a base port gives base+index).
        public var port: Int?

        init(id: Int, index: Int, role: Role, revision: Revision) {
            self.id = id
            self.index = index
            self.role = role
            self.revision = revision
            self.port = revision.fixedPort(index: index)
            self.machine = ReplicaMachine(policy: revision.policy, seed: UInt64(truncatingIfNeeded: id &* 7919 &+ 17))
        }

        public var isHeld: Bool { hold == .stoppedByUser }
    }

    /// The side effects the supervisor carries out for the service.
    public enum Action: Sendable, Equatable {
        /// Feed `event` to the replica of slot `slot` (queued behind the events already waiting).
        case deliver(ReplicaEvent, slot: Int)
        /// Slot `slot` (replica `index`) left the service: its timers and sockets go; `lastOfIndex` tells whether
        /// the index has no other slot (its logs can be forgotten).
        case slotRemoved(slot: Int, index: Int, lastOfIndex: Bool)
        /// Feed `.tick` to the rollout at this instant.
        case scheduleRolloutTick(at: Instant)
        /// The rollout ended (`generation` is the one it rolled out); timers of the rollout can go.
        case rolloutFinished(RolloutMachine.Outcome, generation: Int, failure: String?)
    }

    /// A rollout in progress: its planner and the two revisions it moves between.
    public struct Rollout: Sendable {
        public internal(set) var machine: RolloutMachine
        public let old: Revision
        public let new: Revision

        public func revision(_ target: RolloutMachine.Target) -> Revision {
            switch target {
            case .new: new
            case .old: old
            }
        }
    }

    public internal(set) var state: State
    /// Written by `init` and `scale(to:)` only (`berth scale` and `berth reload` both scale).
    public private(set) var desired: Int
    /// The revision new replicas get (during a rollout: the one it moves to).
    public var revision: Revision
    /// Sorted by index, then id.
    public internal(set) var slots: [Slot] = []
    /// Conditions reached so far; they latch, see `DependencyPlanner`.
    public internal(set) var achieved: Set<DependencyPlanner.Condition> = []
    public internal(set) var rollout: Rollout?
    /// How the last rollout ended, for `berth status` (nil once a later one completed or began).
    public internal(set) var lastRolloutFailure: String?
    var nextSlotID = 0
    /// The position of each slot by id: every event looks its slot up, and a scan of 1,000 slots per probe result
    /// was most of a probe's cost at scale. Kept in step by `insert` and `remove` (the only writers of `slots`'
    /// membership and order).
    var positions: [Int: Int] = [:]

    public init(revision: Revision, desired: Int, state: State = .stopped) {
        self.revision = revision
        self.desired = desired
        self.state = state
    }

    // MARK: Lookups (total: nil for a slot that is gone)

    /// The position of the slot with this id.
    public func position(ofSlot id: Int) -> Int? {
        positions[id]
    }

    public func slot(_ id: Int) -> Slot? {
        position(ofSlot: id).map { slots[$0] }
    }

    /// The slot serving replica `index` (neither a replacement being started nor one being retired).
    public func serving(index: Int) -> Slot? {
        slots.first { $0.index == index && ($0.role == .serving || $0.role == .scaledAway) }
    }

    /// The replacement of replica `index` a rollout is starting.
    public func incoming(index: Int) -> Slot? {
        slots.first { $0.index == index && $0.role == .incoming }
    }

    /// The live slots: neither leaving nor a replacement not promoted yet.
    public var current: [Slot] { slots.filter { $0.role == .serving } }

    public var isAtRest: Bool { slots.allSatisfy(\.machine.isAtRest) }
    /// Wanted running (`waiting` or `active`).
    public var isWanted: Bool { state == .waiting || state == .active }
    public var isActive: Bool { state == .active }
    public var isRemoved: Bool { state == .removed }

    /// The only writer of `desired` (it is `private(set)`, and this is its file): `berth scale` and `berth reload`
    /// both come here. An active service resizes at once; a waiting or stopped one starts with the new count.
    public mutating func scale(to count: Int) -> [Action] {
        precondition(count >= 0, "a negative replica count must be refused before it reaches the service")
        desired = count
        return resize()
    }

    /// Inserts `slot` in (index, id) order.
    mutating func insert(_ slot: Slot) {
        let position = slots.lastIndex { ($0.index, $0.id) < (slot.index, slot.id) }.map { $0 + 1 } ?? 0
        slots.insert(slot, at: position)
        reindex(from: position)
    }

    /// Removes the slots that `matches`; returns them.
    mutating func remove(where matches: (Slot) -> Bool) -> [Slot] {
        guard let first = slots.firstIndex(where: matches) else { return [] }
        let gone = slots[first...].filter(matches)
        slots.removeAll(where: matches)
        for slot in gone { positions[slot.id] = nil }
        reindex(from: first)
        return gone
    }

    private mutating func reindex(from start: Int) {
        for position in start..<slots.count { positions[slots[position].id] = position }
    }

    /// Sets the port a `port: auto` slot picked at its first spawn.
    public mutating func setPort(_ port: Int, slot id: Int) {
        guard let position = position(ofSlot: id) else { return }
        slots[position].port = port
    }

    /// Feeds one event to the replica of slot `id`; nil when the slot is gone (a late answer).
    public mutating func handle(_ event: ReplicaEvent, slot id: Int, at now: Instant) -> [ReplicaAction]? {
        guard let position = position(ofSlot: id) else { return nil }
        return slots[position].machine.handle(event, at: now)
    }
}
