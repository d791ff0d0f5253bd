/// The producer's lifecycle: idle until `run()` or `shutdown()` starts the poll loop, running until shutdown,
/// draining (no new sends; flushing) and finished once the client is released.
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

    /// Whether sends and metadata requests may still use the client; false from the moment shutdown begins.
    var acceptsWork: Bool { phase == .idle || phase == .running }

    /// Whether the poll loop keeps serving delivery reports before it starts draining.
    var keepsPolling: Bool { phase == .running }

    /// Registers a waiter for the end of draining; returns false (and keeps nothing) when it is already over.
    mutating func waitForFinish(_ continuation: CheckedContinuation<Void, Never>) -> Bool {
        guard phase != .finished else { return false }
        finishWaiters.append(continuation)
        return true
    }

    /// Draining is over; returns the waiters to resume.
    mutating func finish() -> [CheckedContinuation<Void, Never>] {
        phase = .finished
        defer { finishWaiters = [] }
        return finishWaiters
    }
}
