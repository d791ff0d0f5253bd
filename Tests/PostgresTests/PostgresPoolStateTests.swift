import Testing

@testable import Postgres

@Suite("Pool state machine")
struct PostgresPoolStateTests {
    private typealias State = PostgresPoolState<String, String>

    @Test func opensLazilyUpToCapacityThenQueues() {
        var state = State(capacity: 2)
        #expect(state.openCount == 0)
        guard case .open = state.acquire(id: 1, waiter: "w1") else { Issue.record("expected open"); return }
        guard case .open = state.acquire(id: 2, waiter: "w2") else { Issue.record("expected open"); return }
        guard case .wait = state.acquire(id: 3, waiter: "w3") else { Issue.record("expected wait"); return }
        guard case .wait = state.acquire(id: 4, waiter: "w4") else { Issue.record("expected wait"); return }
        #expect(state.openCount == 2)
        #expect(state.waiterCount == 2)
    }

    @Test func releaseHandsOverToTheLongestWaiterElseGoesIdle() {
        var state = State(capacity: 1)
        _ = state.acquire(id: 1, waiter: "w1")
        _ = state.acquire(id: 2, waiter: "w2")
        _ = state.acquire(id: 3, waiter: "w3")
        guard case .handOver("c1", to: "w2") = state.release("c1") else { Issue.record("expected w2"); return }
        guard case .handOver("c1", to: "w3") = state.release("c1") else { Issue.record("expected w3"); return }
        guard case .none = state.release("c1") else { Issue.record("expected idle"); return }
        guard case .use("c1") = state.acquire(id: 4, waiter: "w4") else { Issue.record("expected reuse"); return }
        #expect(state.openCount == 1)
    }

    @Test func failedOpenPassesTheSlotToAWaiterOrFreesIt() {
        var state = State(capacity: 1)
        _ = state.acquire(id: 1, waiter: "w1")
        _ = state.acquire(id: 2, waiter: "w2")
        #expect(state.openFailed() == "w2")
        #expect(state.openCount == 1)
        #expect(state.openFailed() == nil)
        #expect(state.openCount == 0)
        guard case .open = state.acquire(id: 3, waiter: "w3") else { Issue.record("expected open"); return }
    }

    @Test func cancelledWaiterLeavesTheQueueOnce() {
        var state = State(capacity: 1)
        _ = state.acquire(id: 1, waiter: "w1")
        _ = state.acquire(id: 2, waiter: "w2")
        _ = state.acquire(id: 3, waiter: "w3")
        #expect(state.cancelWaiter(id: 2) == "w2")
        #expect(state.cancelWaiter(id: 2) == nil)
        guard case .handOver("c1", to: "w3") = state.release("c1") else { Issue.record("expected w3"); return }
    }

    @Test func closeFailsWaitersClosesIdleAndLaterReleases() {
        var state = State(capacity: 2)
        _ = state.acquire(id: 1, waiter: "w1")
        _ = state.acquire(id: 2, waiter: "w2")
        _ = state.acquire(id: 3, waiter: "w3")
        _ = state.release("c1")  // handed to w3
        _ = state.release("c2")  // idle
        let closing = state.close()
        #expect(closing.idle == ["c2"])
        #expect(closing.waiters == [])
        #expect(state.openCount == 1)
        guard case .close("c1") = state.release("c1") else { Issue.record("expected close"); return }
        #expect(state.openCount == 0)
        guard case .fail = state.acquire(id: 4, waiter: "w4") else { Issue.record("expected fail"); return }
    }
}
