import Testing

@testable import LoadGenerator

@Suite struct GatewayPoolStateTests {
    private typealias State = GatewayPoolState<Int, String>

    @Test func opensUpToTheLimitThenQueuesInOrder() {
        var state = State(limit: 2)
        #expect(isConnect(state.submit("a")))
        #expect(isConnect(state.submit("b")))
        #expect(isNothing(state.submit("c")))
        #expect(sent(state.release(1)) == "a")
        #expect(sent(state.release(2)) == "b")
        #expect(sent(state.release(1)) == "c")
        #expect(isNothing(state.release(2)))
        // Connection 2 is idle now and takes the next request without a new connection.
        #expect(sent(state.submit("d")) == "d")
    }

    @Test func aClosedConnectionIsReplacedOnlyWhileRequestsWait() {
        var state = State(limit: 1)
        _ = state.submit("a")
        _ = state.release(1)
        #expect(isNothing(state.release(1)))
        #expect(isNothing(state.closed(1)))
        #expect(isConnect(state.submit("b")))
        #expect(sent(state.release(2)) == "b")
        #expect(isNothing(state.submit("c")))
        // The server closed the connection after b's reply; c still waits, so a new one opens.
        #expect(isConnect(state.closed(2)))
        #expect(sent(state.release(3)) == "c")
    }

    @Test func aGatewayThatIsDownFailsTheLineOneRequestPerAttempt() {
        var state = State(limit: 1)
        _ = state.submit("a")
        _ = state.submit("b")
        let first = state.connectFailed()
        #expect(first.failed == "a" && first.reconnect)
        let second = state.connectFailed()
        #expect(second.failed == "b" && !second.reconnect)
        #expect(isConnect(state.submit("c")))
    }

    private func isConnect(_ action: State.Action) -> Bool {
        if case .connect = action { true } else { false }
    }

    private func isNothing(_ action: State.Action) -> Bool {
        if case .nothing = action { true } else { false }
    }

    private func sent(_ action: State.Action) -> String? {
        if case .send(let request, _) = action { request } else { nil }
    }
}
