import Synchronization

/// Values loaded from the read DB, kept until the feed reports a projection commit or `maxAge` passes, then
/// re-checked by the caller's `load`. Concurrent requests for a key that needs loading share one load.
final class ViewCache<Value: Sendable>: Sendable {
    private typealias Load = Task<Value?, any Error>

    private struct Entry {
        let value: Value
        let generation: UInt64
        let checkedAt: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var loads: [String: (task: Load, generation: UInt64, startedAt: ContinuousClock.Instant)] = [:]
    }

    private enum Lookup {
        case cached(Value)
        case loading(Load)
    }

    private let maxAge: Duration
    private let state = Mutex(State())

    /// A cache whose values are re-checked at least every `maxAge`, even without notifications.
    init(maxAge: Duration) {
        self.maxAge = maxAge
    }

    /// The value of `key` as of `generation`; `load` gets the previous value (to re-check it cheaply) and
    /// returns nil when the key no longer exists.
    func value(
        for key: String, generation: UInt64, load: @escaping @Sendable (Value?) async throws -> Value?
    ) async throws -> Value? {
        let now = ContinuousClock.now
        let lookup = state.withLock { state -> Lookup in
            if let entry = state.entries[key], entry.generation == generation, now - entry.checkedAt < maxAge {
                return .cached(entry.value)
            }
            if let running = state.loads[key], running.generation == generation { return .loading(running.task) }
            let previous = state.entries[key]?.value
            let task = Load { try await load(previous) }
            state.loads[key] = (task, generation, now)
            return .loading(task)
        }
        let task: Load
        switch lookup {
        case .cached(let value): return value
        case .loading(let running): task = running
        }
        let result = await task.result
        state.withLock { state in
            // The generation and time the load started at, not now: a commit notified meanwhile is not covered.
            guard let load = state.loads[key], load.task == task else { return }
            state.loads[key] = nil
            switch result {
            case .success(let value?):
                state.entries[key] = Entry(value: value, generation: load.generation, checkedAt: load.startedAt)
            case .success(nil):
                state.entries[key] = nil
            case .failure:
                break
            }
        }
        return try result.get()
    }
}
