import Testing

@testable import Redis

@Suite("ConnectionPoolState")
struct ConnectionPoolStateTests {
    private typealias Pool = ConnectionPoolState<String, String>

    @Test("Idle connections are handed out, then callers wait and are served first come, first served")
    func waitersAreServedInOrder() {
        var pool = Pool(connections: ["c1"])
        guard case .use(let connection) = pool.acquire(id: 1, waiter: "w1", isCancelled: false) else {
            Issue.record("expected the idle connection")
            return
        }
        #expect(connection == "c1")
        guard case .wait = pool.acquire(id: 2, waiter: "w2", isCancelled: false),
            case .wait = pool.acquire(id: 3, waiter: "w3", isCancelled: false)
        else {
            Issue.record("expected callers to wait")
            return
        }
        guard case .handOver(let handed, let waiter) = pool.release("c1") else {
            Issue.record("expected a hand-over")
            return
        }
        #expect(handed == "c1")
        #expect(waiter == "w2")
    }

    @Test("A cancelled waiter leaves the line; cancelling twice or too late returns nil")
    func cancelRemovesWaiter() {
        var pool = Pool(connections: [])
        _ = pool.acquire(id: 1, waiter: "w1", isCancelled: false)
        _ = pool.acquire(id: 2, waiter: "w2", isCancelled: false)
        #expect(pool.cancel(id: 1) == "w1")
        #expect(pool.cancel(id: 1) == nil)
        guard case .handOver(_, let waiter) = pool.release("c1") else {
            Issue.record("expected a hand-over")
            return
        }
        #expect(waiter == "w2")
        #expect(pool.cancel(id: 2) == nil)
        guard case .keep = pool.release("c1") else {
            Issue.record("expected the connection to go idle")
            return
        }
    }

    @Test("An already cancelled caller does not queue")
    func cancelledCallerFails() {
        var pool = Pool(connections: [])
        guard case .failCancelled = pool.acquire(id: 1, waiter: "w1", isCancelled: true) else {
            Issue.record("expected failCancelled")
            return
        }
        #expect(pool.cancel(id: 1) == nil)
    }

    @Test("Close returns idle connections and waiters once; later acquires fail and releases close")
    func closeDrainsOnce() {
        var pool = Pool(connections: ["c1", "c2"])
        _ = pool.acquire(id: 1, waiter: "w1", isCancelled: false)
        _ = pool.acquire(id: 2, waiter: "w2", isCancelled: false)
        _ = pool.acquire(id: 3, waiter: "w3", isCancelled: false)
        let closed = pool.close()
        #expect(closed.idle.isEmpty)
        #expect(closed.waiters == ["w3"])
        let again = pool.close()
        #expect(again.idle.isEmpty && again.waiters.isEmpty)
        guard case .failClosed = pool.acquire(id: 4, waiter: "w4", isCancelled: false),
            case .close(let connection) = pool.release("c2")
        else {
            Issue.record("expected a closed pool")
            return
        }
        #expect(connection == "c2")
    }
}
