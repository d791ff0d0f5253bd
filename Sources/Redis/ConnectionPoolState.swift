/// The pool's bookkeeping — idle connections, callers waiting in line for one, closed or not — as a value type
/// kept behind the client's `Mutex`. Each operation returns what the caller must do once the lock is released.
struct ConnectionPoolState<Connection, Waiter> {
    /// What `acquire` asks the caller to do.
    enum AcquireAction {
        /// Use this connection, and release it afterwards.
        case use(Connection)
        /// The waiter was queued; `release`, `cancel` or `close` will hand it back.
        case wait
        /// Fail: the pool is closed.
        case failClosed
        /// Fail: the task was cancelled before it queued.
        case failCancelled
    }

    /// What `release` asks the caller to do.
    enum ReleaseAction {
        /// Resume this waiter with the connection.
        case handOver(Connection, to: Waiter)
        /// Nothing: the connection went back to the idle list.
        case keep
        /// Close the connection: the pool is closed.
        case close(Connection)
    }

    private var idle: [Connection]
    private var waiters: [(id: UInt64, waiter: Waiter)] = []
    private var isClosed = false

    /// A pool owning `connections`, all idle.
    init(connections: [Connection]) {
        self.idle = connections
    }

    /// Takes an idle connection, or queues `waiter` (under `id`) behind the callers already waiting.
    mutating func acquire(id: UInt64, waiter: Waiter, isCancelled: Bool) -> AcquireAction {
        if isClosed {
            return .failClosed
        }
        if isCancelled {
            return .failCancelled
        }
        if let connection = idle.popLast() {
            return .use(connection)
        }
        waiters.append((id, waiter))
        return .wait
    }

    /// Gives a connection back: to the longest-waiting caller, to the idle list, or to be closed.
    mutating func release(_ connection: Connection) -> ReleaseAction {
        if isClosed {
            return .close(connection)
        }
        if waiters.isEmpty {
            idle.append(connection)
            return .keep
        }
        return .handOver(connection, to: waiters.removeFirst().waiter)
    }

    /// Removes the waiter queued under `id`; nil when it was already handed a connection or failed.
    mutating func cancel(id: UInt64) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else {
            return nil
        }
        return waiters.remove(at: index).waiter
    }

    /// Closes the pool; returns the idle connections to close and the waiters to fail (both empty the second time).
    mutating func close() -> (idle: [Connection], waiters: [Waiter]) {
        isClosed = true
        defer {
            idle = []
            waiters = []
        }
        return (idle, waiters.map(\.waiter))
    }
}
