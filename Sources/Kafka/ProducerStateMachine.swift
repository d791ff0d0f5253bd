/// The producer's lifecycle: idle until `run()` or `shutdown()` starts the poll loop, running until shutdown,
/// draining (no new work; flushing) and finished once the handle is destroyed.
///
/// Leases count C calls made outside the poll loop (enqueueing, metadata); the handle is destroyed only when none
/// is outstanding.
struct ProducerStateMachine {
    enum Phase: Equatable {
        case idle
        case running
        case draining
        case finished
    }

    enum LoopAction: Equatable {
        /// The caller must start the poll loop.
        case startPollLoop
        case none
    }

    private(set) var phase: Phase = .idle
    private(set) var leases = 0
    private var finishWaiters: [CheckedContinuation<Void, Never>] = []

    /// `run()` was called: only the first call from `.idle` starts the loop.
    mutating func run() -> LoopAction {
        guard phase == .idle else { return .none }
        phase = .running
        return .startPollLoop
    }

    /// Shutdown was requested; when the loop never started, someone must start it so it drains.
    mutating func shutdown() -> LoopAction {
        switch phase {
        case .idle:
            phase = .draining
            return .startPollLoop
        case .running:
            phase = .draining
            return .none
        case .draining, .finished:
            return .none
        }
    }

    /// Whether the poll loop keeps serving delivery reports before it starts draining.
    var keepsPolling: Bool { phase == .running }

    /// Whether draining must still wait for C calls made outside the loop.
    var hasLeases: Bool { leases > 0 }

    /// Grants a lease to use the handle, unless shutdown has begun.
    mutating func acquireLease() -> Bool {
        guard phase == .idle || phase == .running else { return false }
        leases += 1
        return true
    }

    mutating func releaseLease() {
        precondition(leases > 0, "lease released twice")
        leases -= 1
    }

    /// Registers a waiter for the end of draining; returns false (and keeps nothing) when it is already over.
    mutating func waitForFinish(_ continuation: CheckedContinuation<Void, Never>) -> Bool {
        guard phase != .finished else { return false }
        finishWaiters.append(continuation)
        return true
    }

    /// The handle is destroyed; returns the waiters to resume.
    mutating func finish() -> [CheckedContinuation<Void, Never>] {
        phase = .finished
        defer { finishWaiters = [] }
        return finishWaiters
    }
}
