/// The connection pool's bookkeeping: idle connections, how many exist, and who waits for one.
///
/// A value type kept behind the client's `Mutex`; every transition returns the action the caller performs outside
/// the lock (open a connection, resume a waiter, close a connection). Generic so tests can drive it directly.
struct PostgresPoolState<Connection, Waiter> {
    /// What `acquire` tells the caller to do.
    enum AcquireAction {
        /// Use this idle connection.
        case use(Connection)
        /// Open a new connection; a slot is reserved for it.
        case open
        /// The waiter was queued; it is resumed by `release`, `openFailed`, `cancelWaiter` or `close`.
        case wait
        /// The pool is closed.
        case fail
    }

    /// What `release` tells the caller to do with the returned connection.
    enum ReleaseAction {
        /// Nothing: the connection is idle again.
        case none
        /// Resume the waiter with the connection.
        case handOver(Connection, to: Waiter)
        /// The pool is closed: close the connection.
        case close(Connection)
    }

    /// The waiters and idle connections `close` took out of the pool.
    struct Closing {
        let idle: [Connection]
        let waiters: [Waiter]
    }

    let capacity: Int
    private var idle: [Connection] = []
    private var waiters: [(id: Int, waiter: Waiter)] = []
    /// Connections that exist or are being opened, idle or leased.
    private(set) var openCount = 0
    private(set) var isClosed = false

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var idleCount: Int { idle.count }
    var waiterCount: Int { waiters.count }

    /// A caller wants a connection; `waiter` is queued when none is idle and the pool is full.
    mutating func acquire(id: Int, waiter: Waiter) -> AcquireAction {
        if isClosed { return .fail }
        // Most recently used first: it is the one most likely to still be open and warm.
        if let connection = idle.popLast() { return .use(connection) }
        if openCount < capacity {
            openCount += 1
            return .open
        }
        waiters.append((id, waiter))
        return .wait
    }

    /// A leased connection comes back; the longest waiter gets it first.
    mutating func release(_ connection: Connection) -> ReleaseAction {
        if isClosed {
            openCount -= 1
            return .close(connection)
        }
        if !waiters.isEmpty {
            return .handOver(connection, to: waiters.removeFirst().waiter)
        }
        idle.append(connection)
        return .none
    }

    /// Opening a connection failed; its slot passes to the longest waiter, who then opens one itself.
    mutating func openFailed() -> Waiter? {
        if !isClosed && !waiters.isEmpty {
            return waiters.removeFirst().waiter
        }
        openCount -= 1
        return nil
    }

    /// A waiting task was cancelled; returns its waiter to resume if it was still queued.
    mutating func cancelWaiter(id: Int) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index).waiter
    }

    /// Closes the pool: every waiter is to be failed and every idle connection closed; leased ones close on release.
    mutating func close() -> Closing {
        isClosed = true
        let closing = Closing(idle: idle, waiters: waiters.map(\.waiter))
        openCount -= idle.count
        idle = []
        waiters = []
        return closing
    }
}
