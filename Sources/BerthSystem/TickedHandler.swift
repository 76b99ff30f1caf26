/// A handler whose readiness may wait for the loop's next tick (10 ms): a probe connection. The loop keeps such
/// descriptors in a second epoll set that it polls, without waiting, each time it wakes, and wakes at least once a
/// tick while one of them has a deadline. At 1,000 replicas probed twice a second, waking for every response cost
/// more than the response itself on an idle core (bench/scale.sh): the probes started on one tick are answered by
/// the next in one wake-up. Descriptors that must be served at once (children's output, exits, sd_notify) are not.
public protocol TickedHandler: ReadinessHandler {}
