import NIOCore

/// The bookkeeping of the load generator's gateway connections — the idle ones, how many are open or
/// opening, the requests waiting for one — as a value type kept behind a `Mutex`. Each operation returns
/// what the caller must do once the lock is released.
struct GatewayPoolState<Connection: Equatable, Request> {
    /// What to do next.
    enum Action {
        case nothing
        /// Write this request to this connection.
        case send(Request, on: Connection)
        /// Open one more connection; `connected` or `connectFailed` reports back.
        case connect
    }

    private let limit: Int
    private var idle: [Connection] = []
    private var opened = 0
    private var waiting = CircularBuffer<Request>()

    /// A pool of at most `limit` connections.
    init(limit: Int) {
        precondition(limit > 0, "a pool needs room for one connection")
        self.limit = limit
    }

    /// A new request: to an idle connection, or in line (opening a connection for it while there is room).
    mutating func submit(_ request: Request) -> Action {
        if let connection = idle.popLast() {
            return .send(request, on: connection)
        }
        waiting.append(request)
        guard opened < limit else { return .nothing }
        opened += 1
        return .connect
    }

    /// A connection is ready for a request: a new one, or one whose reply came back and stays open.
    mutating func release(_ connection: Connection) -> Action {
        if let request = waiting.popFirst() {
            return .send(request, on: connection)
        }
        idle.append(connection)
        return .nothing
    }

    /// A connection closed; if requests are waiting, another is opened in its place.
    mutating func closed(_ connection: Connection) -> Action {
        idle.removeAll { $0 == connection }
        opened -= 1
        guard !waiting.isEmpty else { return .nothing }
        opened += 1
        return .connect
    }

    /// Opening a connection failed: the longest-waiting request fails with it, so a gateway that is down
    /// drains the line with errors instead of being retried forever. `reconnect` when others still wait and
    /// no connection is left to serve them.
    mutating func connectFailed() -> (failed: Request?, reconnect: Bool) {
        opened -= 1
        let failed = waiting.popFirst()
        guard !waiting.isEmpty, opened == 0 else { return (failed, false) }
        opened += 1
        return (failed, true)
    }
}
